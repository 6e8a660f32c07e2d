// Starts `seedgrid sim --serve 127.0.0.1:0` as a real process and reads its one studio line. The
// gateway tests name the random-weight tiny model (--model tiny) and its one sim prompt.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export function startSim(binary, work, extra = []) {
  return new Promise((resolve, reject) => {
    const sim = spawn(binary, ['sim', '--data', join(work, 'data'), '--out', join(work, 'out'),
      '--count', '1', '--steps', '2', '--size', '32', '--workers', '2', '--f16-workers', '0',
      '--validators', '1', '--model', 'tiny', '--prompt', 'a lighthouse on a cliff at dawn, oil painting',
      '--serve', '127.0.0.1:0', ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error('no studio line within 240 s:\n' + out)), 240000);
    sim.stdout.on('data', (chunk) => {
      out += chunk;
      const lines = out.split('\n').filter((l) => l.startsWith('studio: '));
      if (lines.length === 0) return;
      clearTimeout(timer);
      const m = /^studio: (http:\/\/[^ ]+\/)  api key: (\S+)$/.exec(lines[0]);
      if (!m) return reject(new Error('bad studio line: ' + lines[0]));
      resolve({ sim, base: m[1].replace(/\/$/, ''), key: m[2], output: () => out });
    });
    sim.on('exit', (code) => reject(new Error('sim exited early with ' + code + ':\n' + out)));
  });
}
