#!/usr/bin/env python3
"""Shares of a dispatch_bench profile by the role on each sample's stack.

Reads `perf script -F ip,sym` output (samples recorded with call graphs, one blank line between
samples) and prints, for each role, its share of all samples and its heaviest functions counted
inclusively (a function counts once per sample whose stack holds it). The dispatch bench runs every
role in one process on shared scheduler threads, so a thread's CPU time cannot tell them apart; the
stack can. A sample counts for the first role, in this order, that a frame names.

Usage: profile_roles.py [--top N] [FILE]   (FILE defaults to standard input)
"""
import collections
import sys

# (role, substrings of a frame that mark it), most specific first: the result checker's and the
# workers' frames sit under CAF's and would otherwise count for no one.
ROLES = [
    ("in-process workers", ("seedgrid::worker::",)),
    ("result checker", ("check_results_integrity", "coordinator::(anonymous namespace)::checker")),
    ("treasury", ("seedgrid::treasury::",)),
    ("coordinator", ("seedgrid::coordinator::",)),
    ("client", ("seedgrid::client::",)),
]
REST = "the rest (CAF's scheduler, start-up)"
# Frames every sample of a role shares (threads, CAF's mailbox loop): they say nothing about where
# the role's time goes, so they are left out of its heaviest functions.
PLUMBING = ("caf::", "_ZN3caf", "_ZZN3caf", "start_thread", "clone3", "[unknown]", "std::thread",
            "__libc_start", "_start", "std::_Function_handler", "std::__invoke")


def samples_of(lines):
    frames = []
    for line in lines:
        line = line.strip()
        if not line:
            if frames:
                yield frames
            frames = []
            continue
        parts = line.split(None, 1)
        frames.append(parts[1] if len(parts) > 1 else parts[0])
    if frames:
        yield frames


def role_of(frames):
    for role, marks in ROLES:
        if any(mark in frame for frame in frames for mark in marks):
            return role
    return REST


def main(argv):
    top = 8
    args = list(argv)
    if args[:1] == ["--top"]:
        if len(args) < 2 or not args[1].isdigit():
            sys.exit("profile_roles.py: --top needs a whole number, not '%s'" % (args[1:2] or [""])[0])
        top = int(args[1])
        args = args[2:]
    source = open(args[0], encoding="utf-8", errors="replace") if args else sys.stdin
    counts = collections.Counter()
    heaviest = collections.defaultdict(collections.Counter)
    total = 0
    for frames in samples_of(source):
        total += 1
        role = role_of(frames)
        counts[role] += 1
        for name in set(frames):
            if not any(name.startswith(p) or p in name[:24] for p in PLUMBING):
                heaviest[role][name] += 1
    if total == 0:
        sys.exit("profile_roles.py: no samples in the input (is it `perf script -F ip,sym` output?)")
    print("%d samples" % total)
    print()
    print("| role | share of samples |")
    print("| --- | --- |")
    for role, n in counts.most_common():
        print("| %s | %.1f %% |" % (role, 100.0 * n / total))
    for role, n in counts.most_common():
        print()
        print("%s (%.1f %%), heaviest functions, inclusive:" % (role, 100.0 * n / total))
        ranked = sorted(heaviest[role].items(), key=lambda item: (-item[1], item[0]))[:top]
        if not ranked:
            print("  (no frames but threads and CAF's own)")
        for name, k in ranked:
            print("  %5.1f %%  %s" % (100.0 * k / total, name[:110]))


if __name__ == "__main__":
    main(sys.argv[1:])
