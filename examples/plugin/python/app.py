from componentize_py_types import Err
from wit_world import exports
from wit_world.exports import text
from wit_world.imports import host


class Text(exports.Text):
    def analyze(self, text_: str) -> text.Stats:
        words = text_.split()
        longest = ""
        for word in words:
            if len(word) > len(longest):
                longest = word
        host.log(f"analyze: {len(words)} words")
        return text.Stats(words=len(words), chars=len(text_), longest=longest)

    def shout(self, text_: str) -> str:
        if not text_:
            raise Err("nothing to shout")
        return "".join(c.upper() if c.isascii() else c for c in text_)
