//! Hand-written Apex lexer.
//!
//! Works on bytes but only ever stops at ASCII bytes (or the end), so every span is a valid
//! `char` boundary of the input `&str`. Never panics: every read is bounds-checked, and malformed
//! input (unterminated strings, comments, queries) yields tokens flagged [`UNTERMINATED`].
//!
//! Keywords are recognised case-insensitively (Apex is case-insensitive). Words that are only
//! keywords in some positions (`on`, `when`, `get`, `set`, `sharing`, `trigger`, `with`, …) are
//! left as [`TokenKind::Ident`]; the parser compares their text.

/// Flag: the token runs to the end of its line/input without its closing delimiter.
pub const UNTERMINATED: u8 = 1;

/// Reserved words the parser needs to recognise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kw {
    Abstract,
    Break,
    Catch,
    Class,
    Continue,
    Delete,
    Do,
    Else,
    Enum,
    Extends,
    False,
    Final,
    Finally,
    For,
    Global,
    If,
    Implements,
    InstanceOf,
    Insert,
    Interface,
    Merge,
    New,
    Null,
    Override,
    Private,
    Protected,
    Public,
    Return,
    Static,
    Super,
    Switch,
    TestMethod,
    This,
    Throw,
    Transient,
    True,
    Try,
    Undelete,
    Update,
    Upsert,
    Virtual,
    WebService,
    While,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Ident,
    Keyword(Kw),
    /// Integer or decimal literal, with an optional `L`/`D` suffix.
    Number,
    /// `'…'` with backslash escapes (the span includes the quotes).
    Str,
    LineComment,
    BlockComment,
    /// `@Name` (the span includes `@`); arguments, if any, follow as ordinary tokens.
    Annotation,
    /// An inline SOQL query `[SELECT …]`, brackets included, as one token.
    Soql,
    /// An inline SOSL search `[FIND …]`, brackets included, as one token.
    Sosl,
    /// Operator or punctuation; the text is the static string.
    Op(&'static str),
    /// A byte sequence that is not Apex (a non-ASCII character outside strings, a stray control
    /// character, `#`, …).
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    /// Byte span in the source (`start..end`), always on `char` boundaries.
    pub start: usize,
    pub end: usize,
    /// 1-based line of the token's first byte.
    pub line: u32,
    pub flags: u8,
}

impl Token {
    pub fn text<'a>(&self, src: &'a str) -> &'a str {
        src.get(self.start..self.end).unwrap_or("")
    }
    pub fn is_trivia(&self) -> bool {
        matches!(self.kind, TokenKind::LineComment | TokenKind::BlockComment)
    }
    pub fn unterminated(&self) -> bool {
        self.flags & UNTERMINATED != 0
    }
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// The keyword for an identifier, case-insensitively.
pub fn keyword(word: &[u8]) -> Option<Kw> {
    if word.len() < 2 || word.len() > 10 {
        return None;
    }
    let mut buf = [0u8; 10];
    for (d, s) in buf.iter_mut().zip(word) {
        *d = s.to_ascii_lowercase();
    }
    let w = buf.get(..word.len())?;
    Some(match w {
        b"abstract" => Kw::Abstract,
        b"break" => Kw::Break,
        b"catch" => Kw::Catch,
        b"class" => Kw::Class,
        b"continue" => Kw::Continue,
        b"delete" => Kw::Delete,
        b"do" => Kw::Do,
        b"else" => Kw::Else,
        b"enum" => Kw::Enum,
        b"extends" => Kw::Extends,
        b"false" => Kw::False,
        b"final" => Kw::Final,
        b"finally" => Kw::Finally,
        b"for" => Kw::For,
        b"global" => Kw::Global,
        b"if" => Kw::If,
        b"implements" => Kw::Implements,
        b"instanceof" => Kw::InstanceOf,
        b"insert" => Kw::Insert,
        b"interface" => Kw::Interface,
        b"merge" => Kw::Merge,
        b"new" => Kw::New,
        b"null" => Kw::Null,
        b"override" => Kw::Override,
        b"private" => Kw::Private,
        b"protected" => Kw::Protected,
        b"public" => Kw::Public,
        b"return" => Kw::Return,
        b"static" => Kw::Static,
        b"super" => Kw::Super,
        b"switch" => Kw::Switch,
        b"testmethod" => Kw::TestMethod,
        b"this" => Kw::This,
        b"throw" => Kw::Throw,
        b"transient" => Kw::Transient,
        b"true" => Kw::True,
        b"try" => Kw::Try,
        b"undelete" => Kw::Undelete,
        b"update" => Kw::Update,
        b"upsert" => Kw::Upsert,
        b"virtual" => Kw::Virtual,
        b"webservice" => Kw::WebService,
        b"while" => Kw::While,
        _ => return None,
    })
}

/// Operators, longest first within each leading byte. `>` is never merged into `>>`/`>>>` so that
/// nested generics (`List<List<Id>>`) close cleanly; the parser recombines shifts.
const OPS: &[&str] = &[
    "===", "!==", "<<=", "&&", "||", "==", "!=", "<=", ">=", "++", "--", "+=", "-=", "*=", "/=",
    "&=", "|=", "^=", "%=", "=>", "?.", "??", "<<", "<>", "(", ")", "{", "}", "[", "]", ";", ",",
    ".", "=", "<", ">", "!", "~", "?", ":", "+", "-", "*", "/", "&", "|", "^", "%", "@",
];

fn match_op(rest: &[u8]) -> Option<&'static str> {
    OPS.iter()
        .find(|op| rest.starts_with(op.as_bytes()))
        .copied()
}

/// Length in bytes of the UTF-8 sequence starting with `lead` (1 for invalid leads).
fn utf8_len(lead: u8) -> usize {
    match lead {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => 1,
    }
}

/// Lex the whole source, comments included (as trivia tokens).
pub fn lex(src: &str) -> Vec<Token> {
    let b = src.as_bytes();
    let n = b.len();
    let mut out = Vec::with_capacity(n / 6 + 4);
    let mut i = 0usize;
    let mut line = 1u32;
    while let Some(&c) = b.get(i) {
        let start = i;
        let tok_line = line;
        let mut flags = 0u8;
        let kind = match c {
            b'\n' => {
                line += 1;
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' | 0x0c | 0x0b => {
                i += 1;
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = match b.get(i..).and_then(|r| r.iter().position(|&x| x == b'\n')) {
                    Some(p) => i + p,
                    None => n,
                };
                TokenKind::LineComment
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut j = i + 2;
                loop {
                    match b.get(j) {
                        None => {
                            flags |= UNTERMINATED;
                            break;
                        }
                        Some(b'*') if b.get(j + 1) == Some(&b'/') => {
                            j += 2;
                            break;
                        }
                        Some(b'\n') => {
                            line += 1;
                            j += 1;
                        }
                        Some(_) => j += 1,
                    }
                }
                i = j.min(n);
                TokenKind::BlockComment
            }
            b'\'' => {
                let (end, fl) = scan_string(b, i);
                i = end;
                flags |= fl;
                TokenKind::Str
            }
            b'[' => {
                if let Some(sosl) = query_ahead(b, i + 1) {
                    let (end, fl, lines) = scan_query(b, i);
                    i = end;
                    flags |= fl;
                    line += lines;
                    if sosl {
                        TokenKind::Sosl
                    } else {
                        TokenKind::Soql
                    }
                } else {
                    i += 1;
                    TokenKind::Op("[")
                }
            }
            b'@' if b.get(i + 1).is_some_and(|&x| is_ident_start(x)) => {
                let mut j = i + 1;
                while b.get(j).is_some_and(|&x| is_ident_char(x)) {
                    j += 1;
                }
                i = j;
                TokenKind::Annotation
            }
            _ if is_ident_start(c) => {
                let mut j = i + 1;
                while b.get(j).is_some_and(|&x| is_ident_char(x)) {
                    j += 1;
                }
                i = j;
                match b.get(start..j).and_then(keyword) {
                    Some(k) => TokenKind::Keyword(k),
                    None => TokenKind::Ident,
                }
            }
            _ if c.is_ascii_digit()
                || (c == b'.' && b.get(i + 1).is_some_and(|x| x.is_ascii_digit())) =>
            {
                let mut j = i;
                while b.get(j).is_some_and(|x| x.is_ascii_digit()) {
                    j += 1;
                }
                if b.get(j) == Some(&b'.') && b.get(j + 1).is_some_and(|x| x.is_ascii_digit()) {
                    j += 1;
                    while b.get(j).is_some_and(|x| x.is_ascii_digit()) {
                        j += 1;
                    }
                }
                if b.get(j)
                    .is_some_and(|x| matches!(x, b'l' | b'L' | b'd' | b'D'))
                {
                    j += 1;
                }
                i = j;
                TokenKind::Number
            }
            _ if c >= 0x80 => {
                i = (i + utf8_len(c)).min(n);
                // Stay on a char boundary even if the lead byte lied (it cannot in a &str).
                while i < n && !src.is_char_boundary(i) {
                    i += 1;
                }
                TokenKind::Unknown
            }
            _ => match b.get(i..).and_then(match_op) {
                Some(op) => {
                    i += op.len();
                    TokenKind::Op(op)
                }
                None => {
                    i += 1;
                    TokenKind::Unknown
                }
            },
        };
        out.push(Token {
            kind,
            start,
            end: i,
            line: tok_line,
            flags,
        });
    }
    out
}

/// Lex and drop comments: what the parser reads.
pub fn significant_tokens(src: &str) -> Vec<Token> {
    let mut v = lex(src);
    v.retain(|t| !t.is_trivia());
    v
}

/// Scan a single-quoted string starting at `b[i] == '\''`. Apex strings do not span lines: a
/// newline or the end of input before the closing quote flags the token.
fn scan_string(b: &[u8], i: usize) -> (usize, u8) {
    let mut j = i + 1;
    loop {
        match b.get(j) {
            None => return (b.len(), UNTERMINATED),
            Some(b'\n') => return (j, UNTERMINATED),
            Some(b'\\') => {
                // Skip the escaped byte unless it is a newline (keep line counting right).
                j += if b.get(j + 1).is_some_and(|&x| x != b'\n') {
                    2
                } else {
                    1
                };
            }
            Some(b'\'') => return (j + 1, 0),
            Some(_) => j += 1,
        }
    }
}

/// After `[`: is this an inline query? `Some(false)` for SOQL (`SELECT`), `Some(true)` for SOSL
/// (`FIND`).
fn query_ahead(b: &[u8], mut j: usize) -> Option<bool> {
    while b.get(j).is_some_and(|x| x.is_ascii_whitespace()) {
        j += 1;
    }
    let word_at = |w: &[u8]| -> bool {
        b.get(j..j + w.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(w))
            && !b.get(j + w.len()).is_some_and(|&x| is_ident_char(x))
    };
    if word_at(b"select") {
        Some(false)
    } else if word_at(b"find") {
        Some(true)
    } else {
        None
    }
}

/// Scan `[ … ]` with nested brackets and quoted strings. Returns (end, flags, newlines). A query
/// cannot contain `;` outside a string, so an unclosed query stops before the first `;`.
fn scan_query(b: &[u8], i: usize) -> (usize, u8, u32) {
    let mut depth = 0u32;
    let mut j = i;
    let mut lines = 0u32;
    loop {
        match b.get(j) {
            None => return (b.len(), UNTERMINATED, lines),
            Some(b'[') => {
                depth += 1;
                j += 1;
            }
            Some(b']') => {
                j += 1;
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return (j, 0, lines);
                }
            }
            Some(b';') => return (j, UNTERMINATED, lines),
            Some(b'\n') => {
                lines += 1;
                j += 1;
            }
            Some(b'\'') => {
                let (end, fl) = scan_string(b, j);
                if fl != 0 {
                    // An unclosed string inside a query: stop the query there.
                    return (end, UNTERMINATED, lines);
                }
                j = end;
            }
            Some(_) => j += 1,
        }
    }
}

/// Decode an Apex string literal's text (with its quotes) into its value.
pub fn unescape(lit: &str) -> String {
    let inner = lit.strip_prefix('\'').unwrap_or(lit);
    let inner = inner.strip_suffix('\'').unwrap_or(inner);
    let mut out = String::with_capacity(inner.len());
    let mut it = inner.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('u') => {
                let hex: String = it.clone().take(4).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) if hex.len() == 4 => {
                        out.push(ch);
                        for _ in 0..4 {
                            it.next();
                        }
                    }
                    _ => out.push('u'),
                }
            }
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// Bind variables (`:name`, `:obj.field`) in an inline query's text, in order.
pub fn query_binds(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut j = 0usize;
    while let Some(&c) = b.get(j) {
        match c {
            b'\'' => j = scan_string(b, j).0,
            b':' => {
                let mut k = j + 1;
                while b.get(k).is_some_and(|x| x.is_ascii_whitespace()) {
                    k += 1;
                }
                let s = k;
                while b.get(k).is_some_and(|&x| is_ident_char(x) || x == b'.') {
                    k += 1;
                }
                if k > s {
                    if let Some(name) = text.get(s..k) {
                        out.push(name.trim_end_matches('.').to_string());
                    }
                }
                j = k.max(j + 1);
            }
            _ => j += 1,
        }
    }
    out
}
