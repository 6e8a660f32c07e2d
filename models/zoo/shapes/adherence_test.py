"""The adherence checker against the data set's own images, whose scenes are known: it must read
every one right, and must see it when the picture and the prompt disagree. Run by ctest
(tests/unit/zoo) with the system python3 (python3-opencv, python3-numpy)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import adherence  # noqa: E402
import dataset  # noqa: E402


class CheckerReadsTheDataSet(unittest.TestCase):
    def check_all(self, scenes):
        for scene in scenes:
            found = adherence.analyse(dataset.draw(scene))
            self.assertEqual(adherence.score(found, scene),
                             {"background": True, "colour": True, "shape": True, "position": True},
                             f"{dataset.caption(scene)}: read as {found}")

    def test_training_distribution(self):
        self.check_all(dataset.test_scenes(150, 99))

    def test_held_out_combinations(self):
        self.check_all(dataset.held_out_scenes(50, 98))

    def test_every_shape_colour_and_position_alone(self):
        scenes = []
        for i, shape in enumerate(dataset.SHAPES):
            for j, colour in enumerate(dataset.COLOURS):
                for size in dataset.SIZES:
                    position = list(dataset.POSITIONS)[(i + j) % len(dataset.POSITIONS)]
                    background = [c for c in dataset.COLOURS if c != colour][(i * 3 + j) % 9]
                    scenes.append({"shape": shape, "colour": colour, "size": size, "count": 1,
                                   "positions": [position], "background": [background], "short": False})
        self.check_all(scenes)


class CheckerSeesDisagreement(unittest.TestCase):
    scene = {"shape": "triangle", "colour": "red", "size": "large", "count": 1,
             "positions": ["top left"], "background": ["blue"], "short": False}

    def score_against(self, **changes):
        drawn = dict(self.scene, **changes)
        return adherence.score(adherence.analyse(dataset.draw(drawn)), self.scene)

    def test_wrong_shape(self):
        for shape in ("circle", "square", "ring", "cross"):
            self.assertFalse(self.score_against(shape=shape)["shape"], shape)

    def test_wrong_colours(self):
        result = self.score_against(colour="yellow", background=["green"])
        self.assertFalse(result["colour"])
        self.assertFalse(result["background"])

    def test_wrong_position_and_count(self):
        self.assertFalse(self.score_against(positions=["bottom right"])["position"])
        result = self.score_against(count=2, positions=["top left", "bottom right"], size="medium")
        self.assertFalse(result["shape"])
        self.assertFalse(result["position"])

    def test_blank_image(self):
        found = adherence.analyse(dataset.draw(dict(self.scene, positions=[])))
        self.assertEqual(found["shapes"], [])
        self.assertFalse(adherence.score(found, self.scene)["shape"])


if __name__ == "__main__":
    unittest.main()
