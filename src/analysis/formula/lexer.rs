//! Tokens of a Salesforce formula, each with its byte span in the source.

use super::ast::Span;
use super::FormulaError;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Number(f64),
    Text(String),
    /// A name, possibly dotted: `Status`, `Owner.Profile.Name`, `TRUE`, `ISNEW`.
    Ident(Vec<String>),
    /// `$User.Alias` → `["$User", "Alias"]`.
    Global(Vec<String>),
    LParen,
    RParen,
    Comma,
    Plus,
    Minus,
    Star,
    Slash,
    Caret,
    Amp,
    AndAnd,
    OrOr,
    Bang,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Tok {
    /// How the token reads in an error message.
    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::Number(n) => super::value::format_number(*n),
            Tok::Text(t) => {
                let short: String = t.chars().take(20).collect();
                let more = if t.chars().count() > 20 { "…" } else { "" };
                format!("\"{}{more}\"", short.escape_default())
            }
            Tok::Ident(p) | Tok::Global(p) => p.join("."),
            Tok::LParen => "(".into(),
            Tok::RParen => ")".into(),
            Tok::Comma => ",".into(),
            Tok::Plus => "+".into(),
            Tok::Minus => "-".into(),
            Tok::Star => "*".into(),
            Tok::Slash => "/".into(),
            Tok::Caret => "^".into(),
            Tok::Amp => "&".into(),
            Tok::AndAnd => "&&".into(),
            Tok::OrOr => "||".into(),
            Tok::Bang => "!".into(),
            Tok::Eq => "=".into(),
            Tok::Ne => "<>".into(),
            Tok::Lt => "<".into(),
            Tok::Le => "<=".into(),
            Tok::Gt => ">".into(),
            Tok::Ge => ">=".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub tok: Tok,
    pub span: Span,
}

fn err(msg: impl Into<String>, start: usize, end: usize) -> FormulaError {
    FormulaError::new(msg, Span::new(start, end))
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

/// Separates tokens like a space. Unicode white space (incl. NBSP U+00A0) plus the invisible
/// format characters that come along when a formula is copied from a web page or document:
/// zero-width space U+200B, zero-width (non-)joiner U+200C/U+200D, word joiner U+2060 and the
/// byte-order mark U+FEFF. A rule that Setup saved compiled on the platform, so such characters
/// between tokens cannot be what makes it unreadable.
pub(crate) fn is_formula_space(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}'
        )
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// A character as it reads in an error message (control characters escaped).
pub(crate) fn show_char(c: char) -> String {
    if c.is_control() || is_formula_space(c) && c != ' ' {
        c.escape_unicode().to_string()
    } else {
        c.to_string()
    }
}

pub(crate) fn lex(src: &str) -> Result<Vec<Token>, FormulaError> {
    let mut out = Vec::new();
    // (byte offset, char) pairs; indexing this vector never splits UTF-8.
    let chars: Vec<(usize, char)> = src.char_indices().collect();
    let end_of = |i: usize| chars.get(i).map(|(o, _)| *o).unwrap_or(src.len());
    let mut i = 0;
    while let Some(&(start, c)) = chars.get(i) {
        let next = chars.get(i + 1).map(|(_, c)| *c);
        // White space (see `is_formula_space`) separates tokens.
        if is_formula_space(c) {
            i += 1;
            continue;
        }
        if c == '/' && next == Some('*') {
            let mut j = i + 2;
            loop {
                match chars.get(j) {
                    None => return Err(err("Syntax error. Missing '*/'", start, src.len())),
                    Some((_, '*')) if chars.get(j + 1).map(|p| p.1) == Some('/') => {
                        j += 2;
                        break;
                    }
                    Some(_) => j += 1,
                }
            }
            i = j;
            continue;
        }
        let simple = |t: Tok, n: usize| Token {
            tok: t,
            span: Span::new(start, end_of(i + n)),
        };
        let (tok, used) = match (c, next) {
            ('(', _) => (Tok::LParen, 1),
            (')', _) => (Tok::RParen, 1),
            (',', _) => (Tok::Comma, 1),
            ('+', _) => (Tok::Plus, 1),
            ('-', _) => (Tok::Minus, 1),
            ('*', _) => (Tok::Star, 1),
            ('/', _) => (Tok::Slash, 1),
            ('^', _) => (Tok::Caret, 1),
            ('&', Some('&')) => (Tok::AndAnd, 2),
            ('&', _) => (Tok::Amp, 1),
            ('|', Some('|')) => (Tok::OrOr, 2),
            ('!', Some('=')) => (Tok::Ne, 2),
            ('!', _) => (Tok::Bang, 1),
            ('=', Some('=')) => (Tok::Eq, 2),
            ('=', _) => (Tok::Eq, 1),
            ('<', Some('>')) => (Tok::Ne, 2),
            ('<', Some('=')) => (Tok::Le, 2),
            ('<', _) => (Tok::Lt, 1),
            ('>', Some('=')) => (Tok::Ge, 2),
            ('>', _) => (Tok::Gt, 1),
            _ => (Tok::Comma, 0),
        };
        if used > 0 {
            out.push(simple(tok, used));
            i += used;
            continue;
        }
        if c == '"' || c == '\'' {
            let (text, j) = lex_string(&chars, i, src)?;
            out.push(Token {
                tok: Tok::Text(text),
                span: Span::new(start, end_of(j)),
            });
            i = j;
            continue;
        }
        if c.is_ascii_digit() || (c == '.' && next.is_some_and(|n| n.is_ascii_digit())) {
            let mut j = i;
            let mut seen_dot = false;
            while let Some(&(_, d)) = chars.get(j) {
                if d.is_ascii_digit() {
                    j += 1;
                } else if d == '.' && !seen_dot {
                    seen_dot = true;
                    j += 1;
                } else {
                    break;
                }
            }
            let text = src.get(start..end_of(j)).unwrap_or("");
            let n: f64 = match text.parse() {
                Ok(n) => n,
                Err(_) => return Err(err("Syntax error. Invalid number", start, end_of(j))),
            };
            if let Some(&(o, d)) = chars.get(j) {
                if is_ident_start(d) {
                    return Err(err(
                        format!("Syntax error. Found '{}'", show_char(d)),
                        o,
                        end_of(j + 1),
                    ));
                }
            }
            out.push(Token {
                tok: Tok::Number(n),
                span: Span::new(start, end_of(j)),
            });
            i = j;
            continue;
        }
        if is_ident_start(c) || c == '$' {
            let global = c == '$';
            let mut segs = Vec::new();
            let mut j = i;
            loop {
                let seg_start = j;
                if global && j == i {
                    j += 1; // the '$'
                }
                match chars.get(j) {
                    Some(&(_, d)) if is_ident_start(d) => {}
                    Some(&(o, d)) => {
                        return Err(err(
                            format!("Syntax error. Found '{}'", show_char(d)),
                            o,
                            end_of(j + 1),
                        ))
                    }
                    None => return Err(err("Syntax error. Missing field name", start, src.len())),
                }
                while chars.get(j).is_some_and(|p| is_ident_char(p.1)) {
                    j += 1;
                }
                segs.push(
                    src.get(end_of(seg_start)..end_of(j))
                        .unwrap_or("")
                        .to_string(),
                );
                if chars.get(j).map(|p| p.1) == Some('.') {
                    j += 1;
                    continue;
                }
                break;
            }
            let tok = if global {
                Tok::Global(segs)
            } else {
                Tok::Ident(segs)
            };
            out.push(Token {
                tok,
                span: Span::new(start, end_of(j)),
            });
            i = j;
            continue;
        }
        return Err(err(
            format!("Syntax error. Found '{}'", show_char(c)),
            start,
            end_of(i + 1),
        ));
    }
    Ok(out)
}

/// A quoted text literal starting at `chars[i]`; returns the text and the index after the
/// closing quote. Backslash escapes: `\'` `\"` `\\` `\n` `\r` `\t` `\b` `\f` `\uXXXX`; any
/// other backslash pair is kept as written (so a REGEX pattern written `"\d"` survives).
fn lex_string(
    chars: &[(usize, char)],
    i: usize,
    src: &str,
) -> Result<(String, usize), FormulaError> {
    let (start, quote) = match chars.get(i) {
        Some(p) => *p,
        None => return Err(err("Syntax error.", src.len(), src.len())),
    };
    let mut text = String::new();
    let mut j = i + 1;
    loop {
        let Some(&(o, c)) = chars.get(j) else {
            return Err(err(
                format!("Syntax error. Missing {quote}"),
                start,
                src.len(),
            ));
        };
        if c == quote {
            return Ok((text, j + 1));
        }
        if c != '\\' {
            text.push(c);
            j += 1;
            continue;
        }
        let Some(&(_, e)) = chars.get(j + 1) else {
            return Err(err(
                format!("Syntax error. Missing {quote}"),
                start,
                src.len(),
            ));
        };
        j += 2;
        match e {
            '\'' | '"' | '\\' => text.push(e),
            'n' => text.push('\n'),
            'r' => text.push('\r'),
            't' => text.push('\t'),
            'b' => text.push('\u{8}'),
            'f' => text.push('\u{c}'),
            'u' => {
                let mut code = 0u32;
                let mut k = 0;
                while k < 4 {
                    match chars.get(j + k).and_then(|p| p.1.to_digit(16)) {
                        Some(d) => code = code * 16 + d,
                        None => break,
                    }
                    k += 1;
                }
                match char::from_u32(code) {
                    Some(ch) if k == 4 => {
                        text.push(ch);
                        j += 4;
                    }
                    _ => {
                        let end = chars.get(j + k).map(|p| p.0).unwrap_or(src.len());
                        return Err(err(
                            "Syntax error. Invalid unicode escape (expected \\u and 4 hex digits)",
                            o,
                            end,
                        ));
                    }
                }
            }
            other => {
                text.push('\\');
                text.push(other);
            }
        }
    }
}
