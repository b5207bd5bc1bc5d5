"""How `AbcState` reads one character: it starts a token or continues the pending one, strictly or leniently."""

from __future__ import annotations

from composer.abc.keys import default_tuplet_time
from composer.model.constraint import kinds
from composer.model.constraint.grammar import (
    BAR_PREFIXES,
    BAR_TOKENS,
    CHORD_SYMBOL_PREFIXES,
    CHORD_SYMBOLS,
    CLOSED,
    LONG_DECORATIONS,
    MAX_CHORD_NOTES,
    MAX_GRACE_NOTES,
    NOTE_LETTERS,
    ORNAMENTS,
    SHORT_DECORATIONS,
)

# The hot loop of constrained decoding reads these often: the enums' members from plain classes (see fast_lookup).
Kind = kinds.fast_lookup(kinds.Kind)
Last = kinds.fast_lookup(kinds.Last)
NoteFor = kinds.fast_lookup(kinds.NoteFor)

#: Needs that leave the next event free: a rest, chord, tuplet, decoration or grace group may come.
_EVENT_FREE = (NoteFor.NONE, NoteFor.SYMBOL)
#: What a space may not follow: the tune's start, or a slur's `(`.
_NOTHING_TO_SPACE = (Last.SLUR_OPEN, Last.START)


class TokenReader:
    """Part of `AbcState` (which holds the slots): the grammar, one character at a time."""

    __slots__ = ()

    def _feed(self, c: str) -> bool:
        """Read `c` into this (fresh) copy; False when a strict state refuses it."""
        if self.must_end and self.strict and c != "\n":
            return False
        if c == ":" and self.strict and self.line_len == 1 and self.kind == Kind.NOTE:
            return False  # `D:` at a line start reads as a field
        self.line_len = 0 if c == "\n" else min(self.line_len + 1, 2)
        if self.continued and not (self.kind == Kind.BACKSLASH):
            if c in "\n\\" and self.strict:
                return False
            self.continued = False
        if self.kind:  # the pending token takes `c`: True/False if consumed/refused, None when it ended first
            result = _CONTINUE[self.kind](self, c)
            if result is not None:
                if c != "\n":
                    self.line_start = False
                return result
        ok = self._start(c)
        if ok and c != "\n" and self.kind != Kind.FIELD_LINE:
            self.line_start = False
        return ok

    # --- pending tokens

    def _continue_accidental(self, c: str) -> bool | None:
        if c in NOTE_LETTERS:
            self.kind = Kind.NOTE
            self.pitch = self.text + c
            self.text = ""
            return True
        if c == self.text and c in "^_":
            self.text += c
            return True
        if self.strict:
            return False
        self.kind = Kind.NONE
        return None

    def _continue_bar(self, c: str) -> bool | None:
        strict = self.strict
        word = self.text + c
        if strict:
            if word in BAR_PREFIXES:
                if not self._bar_viable(word):
                    return False
                self.text = word
                return True
            if self.text not in BAR_TOKENS or not self._bar_ok(self.text):
                return False
        elif c in "|:" or (c == "]" and self.text.endswith("|")):
            self.text = word
            return True
        self._end_bar(self.text)
        if not strict and c.isdigit():
            self.kind = Kind.ENDING
            self.ending = 1 if c == "1" else 2
            self.need_second = False  # `:|2` opens the 2nd ending it asked for
            if self.ending == 2:  # a 2nd ending comes after its repeat (`:2`, read leniently, opened one)
                self.repeat_open = CLOSED
            return True
        return None

    def _continue_paren(self, c: str) -> bool | None:
        strict = self.strict
        self.kind = Kind.NONE
        if c.isdigit():
            p = int(c)
            if strict and (p not in (2, 3, 4) or self.tuplet_left or self.broken_value is not None
                           or self.in_chord or self.in_grace or self.tie_pitch is not None):
                return False
            self.kind, self.text = Kind.TUPLET, "(" + c
            if strict and not self._tuplet_fits(p, default_tuplet_time(p, self.meter_text), p):
                return False
            return True
        if strict and self.slur >= 1:
            return False
        self.slur += 1
        self.last = Last.SLUR_OPEN
        return None

    def _continue_tuplet(self, c: str) -> bool | None:
        if not self.strict and (c.isdigit() or c == ":"):
            self.text += c
            return True
        self._start_tuplet(self.text)
        self.kind = Kind.NONE
        return None

    def _continue_broken(self, c: str) -> bool | None:
        if c == self.text and len(self.text) == 1 and not self.strict:
            self.text += c
            return True
        self._start_broken(self.text)
        self.kind = Kind.NONE
        return None

    def _continue_ending(self, c: str) -> bool | None:
        if not self.strict and (c.isdigit() or c in ",-"):
            return True
        self.kind = Kind.NONE
        return None

    def _continue_quote(self, c: str) -> bool | None:
        strict = self.strict
        if c == '"':
            if strict and self.text not in CHORD_SYMBOLS:
                return False
            self.kind, self.text = Kind.NONE, ""
            self.symbols_used = True
            self.need_note = NoteFor.SYMBOL
            self.last = Last.SYMBOL
            return True
        if c == "\n":
            if strict:
                return False
            self.kind = Kind.NONE
            return None
        if strict and self.text + c not in CHORD_SYMBOL_PREFIXES:
            return False
        self.text += c
        return True

    def _continue_decoration(self, c: str) -> bool | None:
        """`!name!`, or a prime's `+name+`."""
        strict = self.strict
        close = "!" if self.kind == Kind.DECORATION else "+"
        if c == close:
            if strict and (self.text not in LONG_DECORATIONS
                           or self.text in ORNAMENTS and not self._host_possible()):
                return False
            self.need_note = NoteFor.ORNAMENT if self.text in ORNAMENTS else NoteFor.DECORATION
            self.kind, self.text = Kind.NONE, ""
            self.last = Last.DECORATION
            return True
        if c == "\n":
            if strict:
                return False
            self.kind = Kind.NONE
            return None
        if strict and not any(n.startswith(self.text + c) and (n not in ORNAMENTS or self._host_possible())
                              for n in LONG_DECORATIONS):
            return False
        self.text += c
        return True

    def _continue_backslash(self, c: str) -> bool | None:
        self.kind = Kind.NONE
        if c == "\n":
            self.line_start = True
            self.continued = True
            return True
        return False if self.strict else None

    def _continue_field_letter(self, c: str) -> bool | None:
        if c == ":":
            self.kind = Kind.FIELD_LINE
            self.text += c
            return True
        self.kind = Kind.NONE
        return None

    def _continue_line(self, c: str) -> bool | None:
        """A field line or a comment, to the line's end."""
        if c == "\n":
            if self.kind == Kind.FIELD_LINE:
                self._apply_field(self.text[0], self.text[2:])
            self.kind, self.text = Kind.NONE, ""
            self.line_start = True
            return True
        self.text += c
        return True

    def _continue_inline_field(self, c: str) -> bool | None:
        if c == "]":
            if len(self.text) > 2 and self.text[1] == ":":
                self._apply_field(self.text[0], self.text[2:])
            self.kind, self.text = Kind.NONE, ""
            return True
        if c == "\n":
            self.kind, self.text = Kind.NONE, ""
            return None
        self.text += c
        return True

    def _continue_note(self, c: str) -> bool | None:
        strict = self.strict
        if not self.text and self.pitch not in ("z", "chord", "x", "Z") and c in ",'":
            if strict:
                bare = self.pitch.lstrip("^_=")
                right = "," if bare[0].isupper() else "'"
                if c != right or len(bare) > 2:
                    return False
                if self.tie_pitch is not None and not self.tie_pitch.startswith(self.pitch + c):
                    return False
            self.pitch += c
            return True
        if c in "0123456789/":
            dur = self.text + c
            if strict and not self._duration_viable(dur):
                return False
            if strict and self.tie_pitch is not None and not self.in_grace and self.pitch != self.tie_pitch:
                return False
            self.text = dur
            return True
        if not self._end_note():
            return False
        return None

    def _continue_bracket(self, c: str) -> bool | None:
        strict = self.strict
        self.kind = Kind.NONE
        if c.isdigit():
            if strict:
                if self.last != Last.BAR or c not in "12":
                    return False
                if c == "1" and not (self.repeat_open and self.ending == 0 and not self.need_second):
                    return False
                if c == "2" and not self.need_second:
                    return False
            self.ending = int(c) if c in "12" else 2
            self.need_second = False
            if self.ending == 2:
                self.repeat_open = CLOSED
            self.last = Last.ENDING
            self.kind = Kind.ENDING if not strict else Kind.NONE
            return True
        if not strict:
            if c == "|":
                self.kind, self.text = Kind.BAR, "[|"
                return True
            if c.isalpha() and c not in NOTE_LETTERS:
                self.kind, self.text = Kind.INLINE_FIELD, c
                return True
        if strict and (self.need_second or not self._event_possible() or self.tie_pitch is not None):
            return False
        self.in_chord = True
        self.chord_value = None
        self.chord_count = 0
        self.chord_inner_dur = False
        return None


    # --- a fresh token

    def _start(self, c: str) -> bool:
        strict = self.strict
        if strict and self.must_end and c != "\n":
            return False
        if strict and self.tie_pitch is not None and c not in NOTE_LETTERS:
            return False
        if c == "\n":
            if self.line_start and not self.continued:
                if strict and not self._tune_complete():
                    return False
                self.ended = True
                return True
            if strict and (self.last != Last.BAR or self.after_space or self.in_chord or self.in_grace
                           or self.need_note or self.tuplet_left or self.broken_value is not None):
                return False
            self.in_chord = self.in_grace = False
            self.line_start = True
            self.after_space = False
            self.newline_since_bar = True
            return True
        if c == " ":
            if strict and (self.in_chord or self.in_grace or self.need_note or self.last in _NOTHING_TO_SPACE
                           or self.broken_value is not None or self.after_space):
                return False
            self.after_space = True
            return True
        self.after_space = False
        if self.line_start and not strict and c.isalpha() and c not in NOTE_LETTERS and c not in "zx":
            self.kind, self.text = Kind.FIELD_LETTER, c
            return True
        if c in NOTE_LETTERS or c in "^_=":
            if strict:
                if self.need_second:
                    return False
                if c in "^_=" and self.tie_pitch is not None:
                    return False
                if not self.in_grace and not self.in_chord and not self._event_possible():
                    return False
                if self.in_grace and self.grace_count >= MAX_GRACE_NOTES:
                    return False
                if self.in_chord and self.chord_count >= MAX_CHORD_NOTES:
                    return False
                if self.tie_pitch is not None and not self.in_grace and c != self.tie_pitch[0]:
                    return False
            if c in NOTE_LETTERS:
                self.kind, self.pitch, self.text = Kind.NOTE, c, ""
            else:
                self.kind, self.text = Kind.ACCIDENTAL, c
            return True
        if c in "zxZ":
            if strict and (c != "z" or self.broken_value is not None or self.in_chord or self.in_grace
                           or self.tie_pitch is not None or self.need_second or self.need_note not in _EVENT_FREE
                           or not self._event_possible()):
                return False
            self.kind, self.pitch, self.text = Kind.NOTE, c, ""
            return True
        if c == "[":
            if strict:
                if self.in_chord or self.in_grace:
                    return False
                chord = (not self.need_second and self.tie_pitch is None and self.need_note in _EVENT_FREE
                         and not self.tuplet_left and self._event_possible())
                ending = self.last == Last.BAR and (self.need_second or self.repeat_open and self.ending == 0)
                if not (chord or ending):
                    return False
            self.kind, self.text = Kind.BRACKET, c
            return True
        if c == "]":
            if self.in_chord:
                if strict and self.chord_count < 2:
                    return False
                self.kind, self.pitch, self.text = Kind.NOTE, "chord", ""
                return True
            return not strict
        if c in "|:":
            if strict and not self._bar_viable(c):
                return False
            self.kind, self.text = Kind.BAR, c
            return True
        if c == "(":
            if strict:
                if (self.in_chord or self.in_grace or self.need_second or self.need_note not in _EVENT_FREE
                        or not self._event_possible()):
                    return False
                tuplet = (not self.tuplet_left and self.broken_value is None and self.tie_pitch is None
                          and self._tuplet_fits(2, 3, 2))
                if self.slur >= 1 and not tuplet:
                    return False
            self.kind, self.text = Kind.PAREN, c
            return True
        if c == ")":
            if strict and (self.slur <= 0 or self.last != Last.NOTE or self.in_chord or self.in_grace
                           or self.after_space):
                return False
            self.slur = max(0, self.slur - 1)
            self.last = Last.SLUR_CLOSE
            return True
        if c in "<>":
            # abc2midi swings a hornpipe's pairs itself and rejects some written pairs ("notes not equal").
            if strict and (self.swung or self.last != Last.NOTE or self.last_time is None or self.in_chord
                           or self.in_grace or self.after_space or self.tuplet_left or self.broken_value is not None
                           or self.tie_pitch is not None):
                return False
            if strict:
                free = self._free()
                if free is not None and self.last_value > free:  # the pair takes 2 × value in all
                    return False
            self.kind, self.text = Kind.BROKEN, c
            return True
        if c == "-":
            if strict and (self.last != Last.NOTE or self.in_chord or self.in_grace or self.bar_accidental
                           or self.after_space or self.last_time is None or not self._event_possible()
                           or self.last_pitch[:1] not in NOTE_LETTERS or self.broken_value is not None):
                return False
            self.tie_pitch = self.last_pitch if self.last == Last.NOTE else None
            self.last = Last.TIE
            return True
        if c == '"':
            if strict and (self.in_chord or self.in_grace or self.need_note or self.need_second
                           or self.broken_value is not None or not self._event_possible()):
                return False
            self.kind, self.text = Kind.QUOTE, ""
            return True
        if c == "!":
            if strict and (self.in_chord or self.in_grace or self.need_second or self.need_note not in _EVENT_FREE
                           or self.broken_value is not None or not self._event_possible()):
                return False
            if strict and not self._event_possible():
                return False
            self.kind, self.text = Kind.DECORATION, ""
            return True
        if c == "{":
            if strict and (self.in_chord or self.in_grace or self.need_second or self.tie_pitch is not None
                           or self.need_note not in _EVENT_FREE or self.broken_value is not None
                           or self.tuplet_left or not self._host_possible()):
                return False
            self.in_grace = True
            self.grace_count = 0
            return True
        if c == "}":
            if strict and (not self.in_grace or self.grace_count < 1 or self.kind):
                return False
            self.in_grace = False
            self.need_note = NoteFor.GRACE
            self.last = Last.GRACE
            return True
        if c == "\\":
            if strict and (self.last != Last.BAR or self.after_space or self.in_chord or self.in_grace
                           or self.need_note or self.need_second):
                return False
            self.kind = Kind.BACKSLASH
            return True
        if c in SHORT_DECORATIONS or (not strict and c in "MPSOLRJkKy+%"):
            if not strict:
                if c == "+":
                    self.kind, self.text = Kind.PLUS_DECORATION, ""
                elif c == "%":
                    self.kind, self.text = Kind.COMMENT, ""
                return True
            if self.in_chord or self.in_grace or self.need_second or not self._event_possible():
                return False
            if self.need_note not in _EVENT_FREE or self.broken_value is not None:
                return False
            if c == "." and self.swung:
                return False  # abc2midi shortens a staccato note, then cannot swing its pair
            if c in ORNAMENTS and not self._host_possible():
                return False
            self.need_note = NoteFor.ORNAMENT if c in ORNAMENTS else NoteFor.DECORATION
            self.last = Last.DECORATION
            return True
        return not strict


#: The method that feeds a character to each kind of pending token.
_CONTINUE = {
    Kind.NOTE: TokenReader._continue_note,
    Kind.ACCIDENTAL: TokenReader._continue_accidental,
    Kind.BAR: TokenReader._continue_bar,
    Kind.PAREN: TokenReader._continue_paren,
    Kind.TUPLET: TokenReader._continue_tuplet,
    Kind.BROKEN: TokenReader._continue_broken,
    Kind.BRACKET: TokenReader._continue_bracket,
    Kind.ENDING: TokenReader._continue_ending,
    Kind.QUOTE: TokenReader._continue_quote,
    Kind.DECORATION: TokenReader._continue_decoration,
    Kind.PLUS_DECORATION: TokenReader._continue_decoration,
    Kind.BACKSLASH: TokenReader._continue_backslash,
    Kind.FIELD_LETTER: TokenReader._continue_field_letter,
    Kind.FIELD_LINE: TokenReader._continue_line,
    Kind.COMMENT: TokenReader._continue_line,
    Kind.INLINE_FIELD: TokenReader._continue_inline_field,
}
