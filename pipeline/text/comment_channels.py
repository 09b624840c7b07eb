"""How the public may comment, and for how long: channels and limits read from one sentence.

`channels_in(sentence)` returns (kind, value) pairs, kinds from `pipeline.models.CHANNEL_KINDS`:
- e-mail addresses, URLs (Zoom-like hosts are `video`) and phone numbers found in the sentence,
  validated and normalised (phone = 10 digits, vanity letters kept: "213621CITY");
- the kinds a sentence offers without an address ("by e-mail", "online form", "speaker card",
  "drop box", "by phone", "via Zoom"), with value "".
A kind the sentence rules out ("no telephone registration", "is temporarily unavailable") is not
returned, nor anything from a sentence about watching or listening to the meeting, nor rule or
archive pointers that ask for no submission, nor fax, TTY, meeting-ID and passcode numbers, nor the
meeting's own format ("conducted by videoconference").

`limits_in(sentence)` returns one speaker's or one comment's allowance ("three (3) minutes per
speaker", "200 words", "3-5 minutes" → 5): a number is dropped when its clause is about the whole
period ("30 minutes total", "the forum is limited to"), about applicants, petitioners or rebuttals,
a condition ("If requests exceed 30 minutes"), an offset ("15 minutes before"), or when it is larger
than a per-speaker allowance beside it in the same sentence (a period's total).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# The vocabularies live with the models that store them (a meeting keeps its comment window).
from pipeline.models import ChannelKind, LimitUnit
from pipeline.text.comment_time import NUM, count_of

VIDEO_HOSTS = ("zoom.us", "zoomgov.com", "webex.com", "teams.microsoft.com", "meet.google.com")
COMMON_TLDS = frozenset("com org net gov edu us mil int info biz io co me ca uk app".split())
GLUED_WORDS = ("to", "or", "and", "by", "for", "on", "at", "in", "no")  # "clerk@oak-park.usto"
UNIT_BY_PREFIX: dict[str, LimitUnit] = {
    "min": "minutes",
    "wor": "words",
    "pag": "pages",
    "cha": "characters",
}

# Watching, listening or reading: nothing in such a sentence is a way to comment.
_WATCH_ONLY = re.compile(
    r"\b(?:broadcast|live[\s-]?stream|stream(?:ed|ing)?|heard\s+at|cable|youtube|(?:be|been)\s+viewed"
    r"|listen(?:-only|\s+(?:live|in|online|by|to\s+the\s+(?:meeting|proceedings)))"
    r"|\bview\s+(?:[\w-]+\s+){0,4}(?:reports?|documents?|attachments?|agendas?|minutes|packets?)\b"
    r"|(?:watch|view(?:ed|ing)?)\b(?=[^.;]{0,40}\b(?:meeting|live|online|broadcast|channel|proceedings|video|website)\b))",
    re.I,
)
# Pointers to rules and archives: no channel unless the sentence also asks for a submission.
_INFO = re.compile(
    r"\b(?:instructions|guidelines|repository|archived?|posted\s+(?:at|on|to)|available\s+at|document)\b",
    re.I,
)
# Asking for a submission.
SUBMITS = re.compile(
    r"\b(?:submit\w*|send\w*|e-?mail(?:ing)?\s+(?:them|it|your|comments?|statements?|a\s+request|requests?|to)"
    r"|call(?:ing)?|dial\w*|sign[\s-]?up|regist\w+|form|go\s+to|leave\s+a|drop|hand[\s-]deliver\w*|return\w*"
    r"|complete|fill(?:ing)?\s+out|comment\s+(?:via|by|at|to))\b",
    re.I,
)

# An e-mail address (checked further by `_email`).
_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_])?@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,6}[A-Za-z]{2,24}(?![\w-])"
)
# A URL with a scheme or "www.", or a bare host on a common public TLD with an optional path.
_URL = re.compile(
    r"(?<![@\w./-])(?:(?:https?://|www\.)[^\s<>\"'\[\]{}|\\^`]{1,500}"
    r"|(?:[a-z0-9-]{1,63}\.){1,5}(?:gov|org|com|net|us|edu|info)(?:/[^\s<>\"'\[\]{}|\\^`]{0,300})?(?![\w@-]))",
    re.I,
)
# A North American phone number, vanity letters allowed: "(213) 621-CITY", "+1 669 900 6833", "708-358.5672".
_PHONE = re.compile(
    r"(?<![\w+])(?:\+?1[\s.-]{0,2})?\(?(?P<a>[2-9]\d{2})\)?[\s.-]{0,2}(?P<b>[2-9]\d{2}|[A-Z]{3})[\s.-]{0,2}(?P<c>\d{4}|[A-Z]{4})(?!\w)"
)
# A toll-free vanity number: "1-888-YOUR-CTA", "800-FLOWERS".
_VANITY = re.compile(
    r"(?<![\w+])(?:1[\s.-]?)?(?P<a>8(?:00|33|44|55|66|77|88))[\s.-](?P<v>[A-Z][A-Z0-9]{2,3}[\s.-]?[A-Z0-9]{3,4})(?![\w-])"
)
# Numbers that are not for calling: fax, TTY, meeting IDs and passcodes.
_NOT_A_LINE = re.compile(
    r"(?:fax|tty|tdd|\bid|passcode|password|access\s+code|participant)(?:[^\w\s]|\s|\b(?:to|at|number|no|is)\b)*$",
    re.I,
)
# Kinds offered without an address: e-mail as a medium ("by e-mail", "email comments to", "e-mail/mail").
_EMAIL_MEDIUM = re.compile(
    r"\b(?:by|via|through|or|and|fax/)\s*e-?mail\b|\be-?mail(?:ing)?\s+(?:them|it|your|comments?|statements?|a\s+request|requests?|to)\b"
    r"|\b(?:send|please)\s+(?:an?\s+)?e-?mail\b|\belectronic\s+mail\b|\[email\s*protected\]|\be-?mails?\s*[,/]\s*(?:letters?|mail)\b|\bformats?:\s*e-?mails?\b",
    re.I,
)
# Online submission: a web form, e-comment, sign-up online, the public comment page.
_WEB_MEDIUM = re.compile(
    r"\bonline\b|\bqr\s*code\b|\bvirtual\s+speaker\s+card|\bweb\s*form\b|\bwebform\b|\be-?comments?\b|\belectronic\s+(?:[\w-]+\s+){0,2}?form\b"
    r"|\b(?:submit\w*|comment|register|sign\s+up|speak)\s+electronically\b|\belectronically\s+(?:below|above|via|through|using|online|to\s+the|by\s+(?:completing|submitting))\b|\bportal\b|\bthis\s+form\b"
    r"|\b(?:form|button|link)\s+(?:below|above)\b|\baccessed\s+below\b|\bpublic\s+comment\s+(?:page|form)\b"
    r"|\b(?:comment|submission|registration|request|sign[\s-]?up)\s+(?:form|link|page|button)\b"
    r"|\b(?:via|through|using)\s+(?:the|our)\s+(?:[\w']+\s+){0,2}?(?:website|web\s+site)\b",
    re.I,
)
# Commenting by telephone: "by phone", "call in", "voicemail", "leave a voice message", "call or email".
_PHONE_MEDIUM = re.compile(
    r"\b(?:by|via|through)\s+(?:tele)?phone\b|\bphone\s+(?:audio|call|line)s?\b|\bcall(?:ing)?[\s-]in\b|\bvoice\s*-?mail\b"
    r"|\bvoice\s+message\b|\bdial(?:-in|ing)?\b|\bcall\s+or\s+e-?mail\b|\btelephone\b",
    re.I,
)
# Commenting by video: Zoom and its kin, video conference, virtual participation, "raise hand".
_VIDEO_MEDIUM = re.compile(
    r"\bzoom\b|\bwebex\b|\bmicrosoft\s+teams\b|\bgoogle\s+meet\b|\bvideo\s*-?\s*conferenc\w*|\bvirtually\b"
    r"|\b(?:by|via|or|and)\s+video\b|\bvirtual\s+(?:and|or)\s+(?:in[\s-]person|on[\s-]site)\b|\bvirtual\s+(?:means|option|participation|comments?)\b|\braise[\s-]hand\b|\bwebinar\b|(?P<vm>\bvirtual\s+meeting\b)",
    re.I,
)
# "conducted by videoconference", "held via Zoom": the meeting's format, not a way to comment.
_FORMAT_BEFORE = re.compile(
    r"\b(?:conducted|held|meet(?:s|ing)?|convened?)\s+(?:by|via|on|through|using)\s+(?:the\s+)?$",
    re.I,
)
# "The sign-up sheet can be accessed below": a sheet online, not in the room.
_ONLINE_AFTER = re.compile(r"[^.;]{0,25}?\b(?:accessed|online|below|link|website)\b", re.I)
# Commenting in person: attending, a card or sheet handed in, the podium.
_IN_PERSON = re.compile(
    r"\bin[\s-]person\b|\bon[\s-]site\b|\bpersonally\s+(?:deliver|present|hand)\w*|\b(?:be\s+)?present\s+at\s+the\s+meeting\b|\bin\s+room\s+\w+|\bpodium\b|\blectern\b|\bphysically\s+present\b|\bback\s+of\s+the\s+chambers?\b"
    r"|\battend(?:ing)?\s+the\s+meeting\b|\bshow\s+up\b|\barriv(?:e|ing)\s+(?:early|before)\b"
    r"|\b(?:sign\s+up|sign\s+in|request|register)\s+at\s+the\s+(?:meeting|city\s+clerk|\w+\s+floor|front)"
    r"|\bsign\s+(?:the|a)\s+(?:\w+\s+)?(?:register|list)\b"
    r"|\b(?:participation|sign[\s-]?(?:up|in)|public\s+comment|speaker)\s+sheets?\b"
    r"|\b(?:complete|fill(?:ing)?\s+out|submit|turn\s+in|obtain|sign(?:ing)?|hand(?:ed)?|give|return|bring)\b[^.;]{0,40}?\b(?:cards?|slips?|sheets?)\b",
    re.I,
)
# Commenting on paper: postal mail, letters, a drop box, hand delivery.
_MAIL = re.compile(
    r"(?<![-\w])(?<!electronic\s)(?<!voice\s)mail(?:ed|ing)?\b(?!\s*(?:address|box))|\bletters?\b|\bdrop[\s-]?box\b|\bhard\s+cop(?:y|ies)\b|\bpostmarked\b|\bhand[\s-]deliver\w*|\bpostal\b"
    r"|\bp\.?\s?o\.?\s+box\b|\b(?:brought|dropped\s+off)\s+to\b|\bdeliver\s+(?:your|the)\s+(?:\w+\s+)?(?:letters?|comments?|testimony|statements?)\b",
    re.I,
)
# Words one of which a sentence must hold for a kind's pattern to be worth running.
_MEDIUM_WORDS: dict[str, tuple[str, ...]] = {
    "phone": ("phone", "call", "voice", "dial"),
    "email": ("mail", "[email"),
    "web": (
        "online",
        "form",
        "web",
        "comment",
        "electronic",
        "portal",
        "link",
        "button",
        "below",
        "above",
        "qr",
        "virtual",
        "page",
    ),
    "mail": ("mail", "letter", "drop", "cop", "postmark", "deliver", "postal", "box", "brought"),
    "in_person": (
        "person",
        "site",
        "room",
        "podium",
        "lectern",
        "present",
        "chamber",
        "attend",
        "show up",
        "arriv",
        "sign",
        "card",
        "slip",
        "sheet",
        "list",
        "register",
        "request",
        "front",
        "floor",
    ),
    "video": ("zoom", "webex", "teams", "meet", "video", "virtual", "raise", "hand", "webinar"),
}
# A kind named but ruled out: "no telephone registration", "not able to … in-person", "is unavailable".
_NEGATED_BEFORE = re.compile(r"\b(?:no|not|cannot|unable|without|nor)\b|n't\b", re.I)
_NEGATED_AFTER = re.compile(
    r"^[^.;]{0,25}?\b(?:unavailable|not\s+(?:be\s+)?(?:permitted|allowed|available|accepted)|suspended|prohibited)\b",
    re.I,
)

# An allowance: "three (3) minutes", "3-minutes", "3-5 minutes", "200 words", "two pages"; not "15 minutes before".
_LIMIT = re.compile(
    rf"\b(?P<a>{NUM})(?:\s*(?:-|to)\s*(?P<b>{NUM}))?[\s-]*(?P<unit>minutes?|mins?|words?|pages?|characters?)\b"
    r"(?!\s+(?:\w+\s+)?(?:before|prior|in\s+advance|preceding|ahead|early|earlier|after|later|from)\b)",
    re.I,
)
# "3:00 minutes": minutes written like a clock.
_CLOCK_MINUTES = re.compile(r"\b(\d{1,2}):00(?=\s*min)")
# Where a clause ends around a limit.
_CLAUSE_BREAK = re.compile(r"[;,()]|\band\b|\bwith\b|\.\s")
# Whose time it is: applicants, petitioners, rebuttals (sentence) and opening/closing statements (clause).
_LIMIT_OTHERS = re.compile(r"\b(?:applicants?|petitioners?|presenters?)\b", re.I)
_LIMIT_ROLE = re.compile(r"\b(?:rebuttal|opening|closing)\b", re.I)
# A condition ("If comment requests exceed 30 minutes, …"), not an allowance.
_CONDITION = re.compile(r"\s*(?:if|when|once)\b", re.I)
# One speaker's allowance, clearly ("per speaker", "each", "individual", "your").
_LIMIT_EACH = re.compile(
    r"\b(?:(?:per|each)\s+(?:public\s+)?(?:speakers?|persons?|individuals?|citizens?|comments?|statements?|items?|agenda\s+items?|topics?|residents?|commenters?|members?|presentations?)"
    r"|each\b(?!\s+(?:\w+\s+){0,2}(?:meeting|session|period))|individuals?|your|his\s+or\s+her|one\s+speaker)\b",
    re.I,
)
# One speaker's allowance, probably ("allowed", "given", "remarks", "comments are").
_LIMIT_LIKELY = re.compile(
    r"\b(?:allowed|allocated|given|assured|speakers?|remarks|statements?|testimony|comments\s+(?:are|will|shall|must))\b",
    re.I,
)
# The whole period's time: "total", "forum", "period", "cap", "for all comment", "for citizens".
# ... certainly the whole period's, whatever else the clause says ("a total of 15 minutes", "per meeting").
_LIMIT_WHOLE = re.compile(
    r"\b(?:total|overall|cap|allotment|per\s+(?:meeting|session|hearing)|for\s+all\s+comment)\b",
    re.I,
)
_LIMIT_TOTAL = re.compile(
    r"\b(?:total|overall|forum|period|portion|section|category|allotment|cap|length\s+of\s+time|session"
    r"|for\s+(?:all\s+)?(?:comment|public\s+comment|citizens|speakers)|public\s+comment\s+(?:will|shall|may)\s+be\s+limited)\b",
    re.I,
)


def _offered(sentence: str, m: re.Match[str]) -> bool:
    return not (
        _NEGATED_BEFORE.search(sentence[max(0, m.start() - 40) : m.start()])
        or _NEGATED_AFTER.match(sentence[m.end() : m.end() + 40])
    )


def _email(raw: str) -> str | None:
    local, _, domain = raw.rpartition("@")
    labels = domain.split(".")
    tld = labels[-1].lower()
    if tld not in COMMON_TLDS:  # a word glued on in the source: "clerk@oak-park.usto be received"
        for word in GLUED_WORDS:
            if tld.endswith(word) and tld[: -len(word)] in COMMON_TLDS:
                labels[-1] = labels[-1][: -len(word)]
                break
    if (
        ".." in local
        or len(local) > 64
        or any(not label or label.startswith("-") or label.endswith("-") for label in labels)
    ):
        return None
    address = f"{local}@{'.'.join(labels)}"
    return address if len(address) <= 254 else None


def _url(raw: str) -> str | None:
    url = raw.split(",")[0].rstrip(".;:!?)]'\"")
    parts = urlsplit(url if "://" in url else "http://" + url)
    host = (parts.hostname or "").lower()
    labels = host.split(".")
    if (
        parts.scheme not in ("http", "https")
        or len(labels) < 2
        or not labels[-1].isalpha()
        or len(url) > 300
    ):
        return None
    if any(not label or not re.fullmatch(r"[a-z0-9-]{1,63}", label) for label in labels):
        return None
    return url


def channel_key(kind: str, value: str) -> tuple[str, str]:
    """A comparison key, so the same address written twice counts once.

    E-mail case-folded; phone as upper-case digits/letters; URL lower-cased without scheme, "www."
    and trailing "/".
    """
    if kind == "phone":
        return kind, re.sub(r"[^0-9A-Za-z]", "", value).upper()
    if kind in ("web", "video"):
        return kind, re.sub(r"^(?:https?://)?(?:www\.)?", "", value.strip().lower()).rstrip("/")
    return kind, value.strip().lower()


def channels_in(sentence: str) -> list[tuple[ChannelKind, str]]:
    """The ways to comment this sentence offers, as (kind, value) pairs (value "" when none is given)."""
    if _WATCH_ONLY.search(sentence) or (_INFO.search(sentence) and not SUBMITS.search(sentence)):
        return []
    found: list[tuple[ChannelKind, str]] = []
    if "@" in sentence:
        found += [("email", a) for m in _EMAIL.finditer(sentence) if (a := _email(m[0]))]
    for m in _URL.finditer(sentence):
        if m[0].endswith(("...", "\u2026")) or sentence.startswith("\u2026", m.end()):
            continue  # a URL cut short in a printed page header ("GeneratedAgendaViewer.php?vie...")
        if url := _url(m[0]):
            host = (urlsplit(url if "://" in url else "http://" + url).hostname or "").lower()
            video = host.endswith(VIDEO_HOSTS)
            found.append(("video" if video else "web", url))
    bare = _URL.sub(lambda m: " " * len(m[0]), _EMAIL.sub(lambda m: " " * len(m[0]), sentence))
    for m in _PHONE.finditer(bare):  # addresses blanked out: a Zoom path's digits are not a phone
        if not _NOT_A_LINE.search(bare[max(0, m.start() - 25) : m.start()]):
            found.append(("phone", (m["a"] + m["b"] + m["c"]).upper()))
    for m in _VANITY.finditer(bare):
        letters = re.sub(r"[\s.-]", "", m["v"])
        if len(letters) == 7:
            found.append(("phone", m["a"] + letters))
    lower = sentence.lower()

    def offered(kind: str, regex: re.Pattern[str]) -> list[re.Match[str]]:
        if not any(n in lower for n in _MEDIUM_WORDS[kind]):  # cheap test before the regex
            return []
        return [m for m in regex.finditer(sentence) if _offered(sentence, m)]

    phone_named = bool(offered("phone", _PHONE_MEDIUM))
    media: tuple[tuple[ChannelKind, re.Pattern[str]], ...] = (
        ("email", _EMAIL_MEDIUM),
        ("web", _WEB_MEDIUM),
        ("mail", _MAIL),
    )
    found += [(kind, "") for kind, regex in media if offered(kind, regex)]
    if any(not _ONLINE_AFTER.match(sentence, m.end()) for m in offered("in_person", _IN_PERSON)):
        found.append(("in_person", ""))
    if phone_named:
        found.append(("phone", ""))
    if any(
        not (m["vm"] and phone_named)
        and not _FORMAT_BEFORE.search(sentence[max(0, m.start() - 30) : m.start()])
        for m in offered("video", _VIDEO_MEDIUM)
    ):
        found.append(("video", ""))
    return found


def _limit_clause(sentence: str, start: int, end: int) -> str:
    left = max((m.end() for m in _CLAUSE_BREAK.finditer(sentence, 0, start)), default=0)
    right = _CLAUSE_BREAK.search(sentence, end)
    return sentence[left : right.start() if right else len(sentence)]


def limits_in(sentence: str) -> list[tuple[int, LimitUnit, str]]:
    """One speaker's or one comment's allowances in this sentence, as (amount, unit, words)."""
    lower = sentence.lower()
    if not any(unit in lower for unit in ("min", "word", "page", "character")):
        return []
    sentence = _CLOCK_MINUTES.sub(r"\1", sentence)  # "3:00 minutes" is three minutes
    matches = list(_LIMIT.finditer(sentence))
    if not matches or _LIMIT_OTHERS.search(sentence):
        return []
    clauses = [_limit_clause(sentence, m.start(), m.end()) for m in matches]
    amounts = [max(count_of(m["a"]), count_of(m["b"] or "0")) for m in matches]
    each = [bool(_LIMIT_EACH.search(c) or _LIMIT_LIKELY.search(c)) for c in clauses]
    found = []
    for m, clause, amount, is_each in zip(matches, clauses, amounts, each, strict=True):
        if (
            amount < 1
            or _LIMIT_ROLE.search(clause)
            or _CONDITION.match(clause)
            or _LIMIT_WHOLE.search(clause)
        ):
            continue
        if not _LIMIT_EACH.search(clause):
            if _LIMIT_TOTAL.search(clause) or (
                not is_each and _LIMIT_TOTAL.search(sentence[: m.end()])
            ):
                continue
            if not is_each and any(e and a < amount for e, a in zip(each, amounts, strict=True)):
                continue  # a period's total beside a smaller per-speaker allowance
        unit = UNIT_BY_PREFIX[m["unit"][:3].lower()]
        found.append((amount, unit, " ".join(m[0].split())))
    return found
