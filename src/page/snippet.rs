//! A tolerant reader of chat-snippet code in real-world script text.
//!
//! It never evaluates anything. A small JavaScript tokenizer skips comments, reads string
//! literals (single, double, and backtick without `${}`), tells regex literals from division by
//! the previous token, and then looks for calls of the known init functions:
//!
//! - `embeddedservice_bootstrap.init(orgId, deploymentName, siteUrl, { scrt2URL })` (MIAW v1)
//! - `agentforce_messaging.init({siteUrl, agentApiConfiguration: {agentId, domainUrl}, …})`
//!   (Agentforce Messaging, one object argument)
//! - `agentforce_messaging.init(orgId, eswConfigDevName, siteUrl, { scrt2URL })` (Agentforce
//!   Messaging's positional generation, loaded from `<siteUrl>/assets/js/init.js`: an Embedded
//!   Service deployment like v1's, simulator/CONTRACT.md `C-AGENTFORCE-POSITIONAL`)
//! - `embedded_svc.init(baseCoreURL, communityURL, gslbBaseURL, orgId, eswConfigDevName, {…})`
//!   (legacy Embedded Service Chat)
//! - `embedded_svc.menu.init(baseCoreURL, baseLiveAgentURL, gslbBaseURL, orgId, menuDevName, {…})`
//!   (legacy Channel Menu, which may load the Messaging for Web bootstrap itself)
//!
//! It also finds where the snippet's wrapper function `initEmbeddedMessaging` is run (called,
//! passed as a callback, assigned to an `onload`), so "init called twice" can be told from
//! "snippet pasted twice".
//!
//! Arguments that are not literals (variables, concatenations) are kept as `None` with their
//! source text, so the caller can say "set at run time" instead of guessing.

use serde::{Deserialize, Serialize};

/// Which snippet family an init call belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    /// Messaging for Web v1: `embeddedservice_bootstrap` + `bootstrap.min.js`.
    MiawV1,
    /// Agentforce Messaging (Enhanced Chat v2): `agentforce_messaging.init({siteUrl,
    /// agentApiConfiguration: {agentId, domainUrl}})` + `…/embeddedservice/agentforcemessaging/
    /// <version>/init.js`. (The serialized name stays `enhanced-v2`.)
    EnhancedV2,
    /// Agentforce Messaging's positional generation: `agentforce_messaging.init(orgId,
    /// eswConfigDevName, siteUrl, {scrt2URL})` + `<siteUrl>/assets/js/init.js`. It names an
    /// Embedded Service deployment, asks the same configuration service as v1 and builds v1's
    /// container, and it also answers to `embeddedservice_bootstrap`.
    AgentforcePositional,
    /// Legacy Embedded Service Chat (Snap-ins): `embedded_svc` + `esw.min.js`.
    LegacyChat,
    /// Legacy Channel Menu: `embedded_svc.menu` + `menu/fab.min.js`. It may load the Messaging
    /// for Web bootstrap itself (a menu with a messaging channel), which is not a duplicate.
    LegacyMenu,
    /// The Experience Cloud component `experience_messaging:embeddedMessaging`, seen as its
    /// `<experience_messaging-embedded-messaging>` element.
    ExperienceComponent,
}

impl Family {
    pub fn label(self) -> &'static str {
        match self {
            Family::MiawV1 => "Messaging for Web (v1 bootstrap)",
            Family::EnhancedV2 => "Agentforce Messaging",
            Family::AgentforcePositional => "Agentforce Messaging (positional, v2)",
            Family::LegacyChat => "legacy Embedded Service Chat",
            Family::LegacyMenu => "legacy Channel Menu",
            Family::ExperienceComponent => "Experience Cloud Embedded Messaging component",
        }
    }

    /// Messaging for Web in any form (v1, v2, the Experience Cloud component): the widget whose
    /// life cycle the page scan follows, and whose copies must not be doubled.
    pub fn is_messaging(self) -> bool {
        matches!(
            self,
            Family::MiawV1
                | Family::EnhancedV2
                | Family::AgentforcePositional
                | Family::ExperienceComponent
        )
    }
}

/// The name every Messaging for Web v1 snippet gives its wrapper function (facts §1).
pub const WRAPPER_FUNCTION: &str = "initEmbeddedMessaging";

/// One parsed init call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitCall {
    pub family: Family,
    /// Byte offset of the call in the script text.
    pub offset: usize,
    /// 1-based line of the call in the script text.
    pub line: u32,
    pub org_id: Option<String>,
    pub deployment: Option<String>,
    pub site_url: Option<String>,
    pub scrt2_url: Option<String>,
    /// Source text of arguments that were not plain literals, in order, for evidence.
    pub dynamic_args: Vec<String>,
    /// Agentforce Messaging: `agentApiConfiguration.agentId` (an agent, not a deployment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// Agentforce Messaging: `agentApiConfiguration.domainUrl` (the org's My Domain).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_url: Option<String>,
    /// Agentforce Messaging: the mandatory keys the call's object does not have at all (not
    /// counting values computed at run time).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok<'a> {
    Ident(&'a str),
    /// A plain string literal, as written (quotes included): decoded with [`decode`] only when
    /// it is an argument, so the many literals of ordinary code cost no allocation.
    Str(&'a str),
    Punct(char),
    Other,
}

#[derive(Debug, Clone)]
struct Token<'a> {
    tok: Tok<'a>,
    start: usize,
    end: usize,
}

/// Upper bound on tokens read from one script; a minified bundle larger than this is read up to
/// the bound and the rest is ignored (reported by the caller as a truncated scan).
const MAX_TOKENS: usize = 2_000_000;

fn tokenize(src: &str) -> Vec<Token<'_>> {
    let b = src.as_bytes();
    let mut out: Vec<Token<'_>> = Vec::new();
    let mut i = 0;
    while i < b.len() && out.len() < MAX_TOKENS {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c == b'/' && i + 1 < b.len() && b[i + 1] == b'/' {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if c == b'/' && i + 1 < b.len() && b[i + 1] == b'*' {
            i = match src[i + 2..].find("*/") {
                Some(p) => i + 2 + p + 2,
                None => b.len(),
            };
            continue;
        }
        let start = i;
        if c == b'"' || c == b'\'' || c == b'`' {
            let (plain, end) = read_string(src, i, None);
            out.push(Token {
                tok: if plain {
                    Tok::Str(src.get(start..end).unwrap_or(""))
                } else {
                    Tok::Other
                },
                start,
                end,
            });
            i = end;
            continue;
        }
        if c == b'/' && regex_allowed(out.last()) {
            i = skip_regex(b, i);
            out.push(Token {
                tok: Tok::Other,
                start,
                end: i,
            });
            continue;
        }
        if c == b'_' || c == b'$' || c.is_ascii_alphanumeric() || c >= 0x80 {
            while i < b.len()
                && (b[i] == b'_' || b[i] == b'$' || b[i].is_ascii_alphanumeric() || b[i] >= 0x80)
            {
                i += 1;
            }
            // Keep char boundaries intact for non-ASCII identifiers.
            while !src.is_char_boundary(i) {
                i += 1;
            }
            out.push(Token {
                tok: Tok::Ident(&src[start..i]),
                start,
                end: i,
            });
            continue;
        }
        // Any other byte is punctuation; advance by one whole char.
        let ch = src[i..].chars().next().unwrap_or('\u{fffd}');
        i += ch.len_utf8().max(1);
        out.push(Token {
            tok: Tok::Punct(ch),
            start,
            end: i,
        });
    }
    out
}

fn regex_allowed(prev: Option<&Token<'_>>) -> bool {
    match prev {
        None => true,
        Some(t) => match &t.tok {
            Tok::Ident(w) => matches!(
                *w,
                "return" | "typeof" | "case" | "do" | "else" | "in" | "of" | "void" | "throw"
            ),
            Tok::Str(_) | Tok::Other => false,
            Tok::Punct(p) => !matches!(p, ')' | ']' | '}'),
        },
    }
}

fn skip_regex(b: &[u8], mut i: usize) -> usize {
    i += 1;
    let mut in_class = false;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'\n' => return i,
            b'[' => {
                in_class = true;
                i += 1
            }
            b']' => {
                in_class = false;
                i += 1
            }
            b'/' if !in_class => {
                i += 1;
                while i < b.len() && b[i].is_ascii_alphabetic() {
                    i += 1;
                }
                return i;
            }
            _ => i += 1,
        }
    }
    b.len()
}

/// The value of a plain string literal token (see [`Tok::Str`]).
fn decode(literal: &str) -> String {
    let mut val = String::new();
    read_string(literal, 0, Some(&mut val));
    val
}

/// Reads a string literal starting at `start` (the quote). Returns whether it is a plain,
/// terminated literal (template literals with `${` are not), and the offset just past it; its
/// value goes to `val` when one is given (scanning alone allocates nothing).
fn read_string(src: &str, start: usize, mut val: Option<&mut String>) -> (bool, usize) {
    let b = src.as_bytes();
    let quote = b[start];
    let mut push = |ch: char| {
        if let Some(v) = val.as_deref_mut() {
            v.push(ch);
        }
    };
    let mut plain = true;
    let mut i = start + 1;
    while i < b.len() {
        let c = b[i];
        if c == quote {
            return (plain, i + 1);
        }
        if c == b'\n' && quote != b'`' {
            // Unterminated string: stop at end of line.
            return (false, i);
        }
        if c == b'$' && quote == b'`' && b.get(i + 1) == Some(&b'{') {
            plain = false;
        }
        if c == b'\\' && i + 1 < b.len() {
            let n = b[i + 1];
            match n {
                b'n' => push('\n'),
                b't' => push('\t'),
                b'r' => push('\r'),
                b'0' => push('\0'),
                b'u' | b'x' => {
                    let (ch, used) = read_escape(&src[i + 1..]);
                    push(ch.unwrap_or('\u{fffd}'));
                    i += 1 + used;
                    continue;
                }
                b'\n' => {}
                _ => {
                    let ch = src[i + 1..].chars().next().unwrap_or('\u{fffd}');
                    push(ch);
                    i += 1 + ch.len_utf8();
                    continue;
                }
            }
            i += 2;
            continue;
        }
        let ch = src[i..].chars().next().unwrap_or('\u{fffd}');
        push(ch);
        i += ch.len_utf8().max(1);
    }
    (false, b.len())
}

/// `s` starts at the `u` or `x` of an escape. Returns the char and the bytes consumed after `\`.
/// Only well-formed hex digits are consumed; a malformed escape consumes just its letter, so the
/// reader never lands inside a multi-byte character or swallows a closing quote.
fn read_escape(s: &str) -> (Option<char>, usize) {
    let (digits, used) = match s.as_bytes() {
        [b'x', ..] => (s.get(1..3), 3),
        [b'u', b'{', ..] => match s.find('}') {
            Some(close) => (s.get(2..close), close + 1),
            None => (None, 1),
        },
        _ => (s.get(1..5), 5),
    };
    let value = digits
        .filter(|h| !h.is_empty() && h.len() <= 8 && h.bytes().all(|c| c.is_ascii_hexdigit()))
        .and_then(|h| u32::from_str_radix(h, 16).ok());
    match value {
        Some(v) => (char::from_u32(v), used),
        None => (None, 1),
    }
}

/// An argument of a call: a string literal, an object literal's string-valued keys, or other code.
#[derive(Debug)]
enum Arg {
    Str(String),
    Object(Vec<(String, Result<String, String>)>),
    Code(String),
}

fn family_of(object: &str) -> Option<Family> {
    match object {
        "embeddedservice_bootstrap" => Some(Family::MiawV1),
        "agentforce_messaging" => Some(Family::EnhancedV2),
        "embedded_svc" => Some(Family::LegacyChat),
        _ => None,
    }
}

/// What one script's text holds: init calls, and the places that run the snippet's wrapper.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScriptRead {
    pub calls: Vec<InitCall>,
    /// 1-based lines where `initEmbeddedMessaging` is run: called, passed as a callback
    /// (`addEventListener('load', initEmbeddedMessaging)`) or assigned to an `onload`.
    pub wrapper_runs: Vec<u32>,
}

/// Finds every init call of a known chat family in `src`.
pub fn find_init_calls(src: &str) -> Vec<InitCall> {
    read_script(src).calls
}

fn is_punct(t: Option<&Token<'_>>, c: char) -> bool {
    matches!(t, Some(Token { tok: Tok::Punct(p), .. }) if *p == c)
}

fn is_ident(t: Option<&Token<'_>>, words: &[&str]) -> bool {
    matches!(t, Some(Token { tok: Tok::Ident(w), .. }) if words.contains(w))
}

/// The names a script must contain, verbatim, to hold anything [`read_script`] looks for: the
/// tokenizer reads identifiers as written (no `\u` escapes), so text without any of them has
/// no init call and no wrapper run, and is not tokenized at all (most of a page's code).
const NAMES: [&str; 4] = [
    // (Order matters: the filter below names the one without `mbedded` by its index.)
    WRAPPER_FUNCTION,
    "embeddedservice_bootstrap",
    "agentforce_messaging",
    "embedded_svc",
];

/// Whether `src` names anything [`read_script`] looks for; text that does not reads as nothing.
pub fn mentions_snippet(src: &str) -> bool {
    // Three of the names share `mbedded`: two searches instead of four on text without any.
    let maybe = src.contains("mbedded") || src.contains(NAMES[2]);
    maybe && NAMES.iter().any(|n| src.contains(n))
}

/// Reads init calls and wrapper runs from one script's text, in one pass of the tokenizer.
/// Linear in the text: line numbers come from one index of the line starts (see [`Lines`]).
pub fn read_script(src: &str) -> ScriptRead {
    let mut out = ScriptRead::default();
    if !mentions_snippet(src) {
        return out;
    }
    let toks = tokenize(src);
    let mut lines = Lines::new(src);
    let aliases = Aliases::of(&toks);
    let mut i = 0;
    while i < toks.len() {
        // `x.embedded_svc.init` where x is not window (or a name for it) is someone else's object.
        let qualified_elsewhere = i >= 2
            && is_punct(toks.get(i - 1), '.')
            && !matches!(toks.get(i - 2), Some(Token { tok: Tok::Ident(w), .. }) if aliases.is_window(w));
        if let Tok::Ident(w) = toks[i].tok {
            if w == WRAPPER_FUNCTION && wrapper_run_at(&toks, i) {
                out.wrapper_runs.push(lines.at(toks[i].start));
            }
            // `<object> . init (`, `<object> ['init'] (`, or `embedded_svc . menu . init (`, with
            // an optional `window.` (or alias) prefix before the object; the object may also be
            // a variable holding it (`var b = w.embeddedservice_bootstrap; b.init(…)`).
            let fam = family_of(w).filter(|_| !qualified_elsewhere).or_else(|| {
                aliases
                    .object(w)
                    .filter(|_| !is_punct(i.checked_sub(1).and_then(|p| toks.get(p)), '.'))
            });
            let menu = fam == Some(Family::LegacyChat)
                && is_punct(toks.get(i + 1), '.')
                && is_ident(toks.get(i + 2), &["menu"]);
            let (fam, at) = if menu {
                (Some(Family::LegacyMenu), i + 2)
            } else {
                (fam, i)
            };
            let dotted = is_punct(toks.get(at + 1), '.')
                && is_ident(toks.get(at + 2), &["init"])
                && is_punct(toks.get(at + 3), '(');
            let bracketed = is_punct(toks.get(at + 1), '[')
                && matches!(toks.get(at + 2), Some(Token { tok: Tok::Str(k), .. }) if decode(k) == "init")
                && is_punct(toks.get(at + 3), ']')
                && is_punct(toks.get(at + 4), '(');
            let args_at = if dotted {
                Some(at + 4)
            } else if bracketed {
                Some(at + 5)
            } else {
                None
            };
            if let (Some(family), Some(args_at)) = (fam, args_at) {
                let (args, next) = read_args(src, &toks, args_at);
                let line = lines.at(toks[i].start);
                out.calls
                    .push(build_call(family, toks[i].start, line, args));
                i = next;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// The names a script gives to `window` and to the chat objects, read from its own text:
/// `var w = window`, a wrapper `(function (w, d) {…})(window, document)` (a parameter in the
/// position where some call passes `window`), and `var b = w.embeddedservice_bootstrap`.
/// Tag managers and site builders write their snippets this way.
#[derive(Default)]
struct Aliases<'a> {
    window: Vec<&'a str>,
    objects: Vec<(&'a str, Family)>,
}

impl<'a> Aliases<'a> {
    fn is_window(&self, w: &str) -> bool {
        matches!(w, "window" | "self" | "globalThis") || self.window.contains(&w)
    }

    fn object(&self, w: &str) -> Option<Family> {
        self.objects.iter().find(|(n, _)| *n == w).map(|(_, f)| *f)
    }

    fn of(toks: &[Token<'a>]) -> Self {
        let mut a = Aliases::default();
        let ident = |i: usize| match toks.get(i) {
            Some(Token {
                tok: Tok::Ident(w), ..
            }) => Some(*w),
            _ => None,
        };
        // Positions (in an argument list) where a call passes `window`.
        let mut window_args: Vec<usize> = Vec::new();
        // Parameter lists of functions: (name, position).
        let mut params: Vec<(&'a str, usize)> = Vec::new();
        for i in 0..toks.len() {
            if ident(i) == Some("window") {
                let prev = i.checked_sub(1).and_then(|p| toks.get(p));
                let next = toks.get(i + 1);
                // `X = window` (not `X = window.foo`).
                if is_punct(prev, '=') && !is_punct(next, '.') && !is_punct(next, '[') {
                    if let Some(x) = i.checked_sub(2).and_then(ident) {
                        a.window.push(x);
                    }
                }
                // `(…, window, …)` as a call argument: count its position.
                if (is_punct(prev, '(') || is_punct(prev, ','))
                    && (is_punct(next, ',') || is_punct(next, ')'))
                {
                    let mut pos = 0;
                    let mut j = i;
                    while j > 0 && !is_punct(toks.get(j - 1), '(') {
                        if is_punct(toks.get(j - 1), ',') {
                            pos += 1;
                        }
                        j -= 1;
                        if i - j > 64 {
                            break;
                        }
                    }
                    window_args.push(pos);
                }
            }
            if ident(i) == Some("function") {
                let mut j = i + 1;
                if ident(j).is_some() {
                    j += 1;
                }
                if is_punct(toks.get(j), '(') {
                    let mut pos = 0;
                    j += 1;
                    while let Some(p) = ident(j) {
                        params.push((p, pos));
                        pos += 1;
                        if !is_punct(toks.get(j + 1), ',') {
                            break;
                        }
                        j += 2;
                    }
                }
            }
        }
        for (p, pos) in params {
            if window_args.contains(&pos) && p != "window" && !a.window.contains(&p) {
                a.window.push(p);
            }
        }
        // `X = [window.]embeddedservice_bootstrap` (the object itself, not a property of it).
        for i in 0..toks.len() {
            let Some(fam) = ident(i).and_then(family_of) else {
                continue;
            };
            let next = toks.get(i + 1);
            if is_punct(next, '.') || is_punct(next, '[') {
                continue;
            }
            let mut first = i;
            if is_punct(i.checked_sub(1).and_then(|p| toks.get(p)), '.') {
                match i.checked_sub(2).and_then(ident) {
                    Some(w) if a.is_window(w) => first = i - 2,
                    _ => continue,
                }
            }
            if is_punct(first.checked_sub(1).and_then(|p| toks.get(p)), '=')
                && !is_punct(first.checked_sub(2).and_then(|p| toks.get(p)), '=')
            {
                if let Some(x) = first.checked_sub(2).and_then(ident) {
                    if family_of(x).is_none() {
                        a.objects.push((x, fam));
                    }
                }
            }
        }
        a
    }
}

/// Whether the `initEmbeddedMessaging` token at `i` runs the wrapper (rather than defining it,
/// testing it, or being someone else's property).
fn wrapper_run_at(toks: &[Token<'_>], i: usize) -> bool {
    // Step over a `window.` / `self.` prefix; any other object's property is not ours.
    let mut first = i;
    if i >= 1 && is_punct(toks.get(i - 1), '.') {
        if i >= 2 && is_ident(toks.get(i - 2), &["window", "self"]) {
            first = i - 2;
        } else {
            return false;
        }
    }
    let prev = first.checked_sub(1).and_then(|p| toks.get(p));
    let before_prev = first.checked_sub(2).and_then(|p| toks.get(p));
    let next = toks.get(i + 1);
    if is_ident(prev, &["function", "typeof", "var", "let", "const"]) {
        return false;
    }
    // A definition: `initEmbeddedMessaging = function…` (but `==` compares).
    if is_punct(next, '=') && !is_punct(toks.get(i + 2), '=') {
        return false;
    }
    // Called: `initEmbeddedMessaging()`, `.call(…)`, `.apply(…)`.
    if is_punct(next, '(') || (is_punct(next, '.') && is_ident(toks.get(i + 2), &["call", "apply"]))
    {
        return true;
    }
    // Assigned to an onload: `s.onload = initEmbeddedMessaging`.
    if is_punct(prev, '=')
        && matches!(before_prev, Some(Token { tok: Tok::Ident(w), .. }) if w.eq_ignore_ascii_case("onload"))
    {
        return true;
    }
    // Passed as a callback: `addEventListener('load', initEmbeddedMessaging)`,
    // `setTimeout(initEmbeddedMessaging, 0)`; not `if (initEmbeddedMessaging)`.
    let opens_call = is_punct(prev, ',')
        || (is_punct(prev, '(') && !is_ident(before_prev, &["if", "while", "typeof", "return"]));
    opens_call && (is_punct(next, ')') || is_punct(next, ','))
}

/// 1-based line numbers of byte offsets. The newline offsets are found once, on the first
/// question (a script with no call never pays for them), and each answer is a binary search:
/// counting from the start for every call made a script of many calls quadratic.
struct Lines<'a> {
    src: &'a str,
    newlines: Option<Vec<usize>>,
}

impl<'a> Lines<'a> {
    fn new(src: &'a str) -> Self {
        Lines {
            src,
            newlines: None,
        }
    }

    /// The line of `offset` (an offset past the end counts every newline).
    fn at(&mut self, offset: usize) -> u32 {
        let src = self.src;
        let newlines = self.newlines.get_or_insert_with(|| {
            src.bytes()
                .enumerate()
                .filter(|(_, c)| *c == b'\n')
                .map(|(i, _)| i)
                .collect()
        });
        let before = newlines.partition_point(|&n| n < offset);
        u32::try_from(before).map_or(u32::MAX, |n| n.saturating_add(1))
    }
}

fn build_call(family: Family, offset: usize, line: u32, args: Vec<Arg>) -> InitCall {
    let mut call = InitCall {
        family,
        offset,
        line,
        org_id: None,
        deployment: None,
        site_url: None,
        scrt2_url: None,
        dynamic_args: Vec::new(),
        agent_id: None,
        domain_url: None,
        missing: Vec::new(),
    };
    // `agentforce_messaging.init` is either generation: the object form takes one object, the
    // positional one strings (or values computed at run time) in v1's order.
    let positional =
        family == Family::EnhancedV2 && args.len() >= 2 && !matches!(args[0], Arg::Object(_));
    if family == Family::EnhancedV2 && !positional {
        read_agentforce(&mut call, args);
        return call;
    }
    if positional {
        call.family = Family::AgentforcePositional;
    }
    let family = call.family;
    // Positions of org id / deployment / site URL / options per family.
    let (org, dep, site, opts) = match family {
        Family::MiawV1
        | Family::EnhancedV2
        | Family::AgentforcePositional
        | Family::ExperienceComponent => (0, 1, 2, 3),
        Family::LegacyChat => (3, 4, 1, 5),
        // The menu has no site URL argument (its first argument is the org's My Domain).
        Family::LegacyMenu => (3, 4, usize::MAX, 5),
    };
    for (idx, arg) in args.into_iter().enumerate() {
        match arg {
            Arg::Str(s) if idx == org => call.org_id = Some(s),
            Arg::Str(s) if idx == dep => call.deployment = Some(s),
            Arg::Str(s) if idx == site => call.site_url = Some(s),
            Arg::Object(pairs) if idx == opts => {
                for (k, v) in pairs {
                    let key = match family {
                        Family::LegacyChat | Family::LegacyMenu => "baseLiveAgentURL",
                        _ => "scrt2URL",
                    };
                    if k == key {
                        match v {
                            Ok(v) => call.scrt2_url = Some(v),
                            // Computed at run time: kept as written, never dropped.
                            Err(code) => call.dynamic_args.push(format!("{k}: {code}")),
                        }
                    }
                }
            }
            Arg::Code(c) => call.dynamic_args.push(c),
            _ => {}
        }
    }
    call
}

/// Agentforce Messaging's one argument: `{siteUrl, agentApiConfiguration: {agentId, domainUrl},
/// uiConfiguration}` (the form public pages and Salesforce's own init.js use). A call that is
/// neither this nor the positional form (one string, nothing at all) is kept as written, never
/// read as org id or name.
fn read_agentforce(call: &mut InitCall, args: Vec<Arg>) {
    let mut args = args.into_iter();
    let Some(Arg::Object(pairs)) = args.next() else {
        call.dynamic_args
            .push("(not the {siteUrl, agentApiConfiguration} object form)".into());
        return;
    };
    let mut found = Vec::new();
    for (k, v) in pairs {
        let slot = match k.as_str() {
            "siteUrl" => &mut call.site_url,
            "agentApiConfiguration.agentId" => &mut call.agent_id,
            "agentApiConfiguration.domainUrl" => &mut call.domain_url,
            _ => continue,
        };
        found.push(k.clone());
        match v {
            Ok(v) => *slot = Some(v),
            Err(code) => call.dynamic_args.push(format!("{k}: {code}")),
        }
    }
    // The whole nested object computed elsewhere: its keys cannot be known.
    let nested_dynamic = call
        .dynamic_args
        .iter()
        .any(|a| a.starts_with("agentApiConfiguration:"));
    for key in [
        "siteUrl",
        "agentApiConfiguration.agentId",
        "agentApiConfiguration.domainUrl",
    ] {
        let known = found.iter().any(|f| f == key) || nested_dynamic && key.starts_with("agentApi");
        if !known {
            call.missing
                .push(key.rsplit('.').next().unwrap_or(key).to_string());
        }
    }
}

/// Reads call arguments from token `i` (just after `(`). Returns them and the index after `)`.
fn read_args(src: &str, toks: &[Token<'_>], mut i: usize) -> (Vec<Arg>, usize) {
    let mut args = Vec::new();
    loop {
        if i >= toks.len() {
            return (args, i);
        }
        if toks[i].tok == Tok::Punct(')') {
            return (args, i + 1);
        }
        let (arg, next) = read_one_arg(src, toks, i);
        args.push(arg);
        i = next;
        match toks.get(i).map(|t| &t.tok) {
            Some(Tok::Punct(',')) => i += 1,
            Some(Tok::Punct(')')) => return (args, i + 1),
            _ => return (args, i),
        }
    }
}

/// Reads one argument expression; stops before the `,` or `)` that ends it at depth 0.
fn read_one_arg(src: &str, toks: &[Token<'_>], start: usize) -> (Arg, usize) {
    let end = expr_end(toks, start);
    let slice = &toks[start..end];
    let arg = match slice {
        [Token {
            tok: Tok::Str(s), ..
        }] => Arg::Str(decode(s)),
        [first, .., last] if first.tok == Tok::Punct('{') && last.tok == Tok::Punct('}') => {
            Arg::Object(read_object(src, &slice[1..slice.len() - 1]))
        }
        [] => Arg::Code(String::new()),
        _ => {
            let text = &src[slice[0].start..slice[slice.len() - 1].end];
            Arg::Code(text.chars().take(200).collect())
        }
    };
    (arg, end)
}

fn expr_end(toks: &[Token<'_>], mut i: usize) -> usize {
    let mut depth = 0i32;
    while i < toks.len() {
        match toks[i].tok {
            Tok::Punct('(') | Tok::Punct('[') | Tok::Punct('{') => depth += 1,
            Tok::Punct(')') | Tok::Punct(']') | Tok::Punct('}') => {
                if depth == 0 {
                    return i;
                }
                depth -= 1;
            }
            Tok::Punct(',') if depth == 0 => return i,
            _ => {}
        }
        i += 1;
    }
    i
}

/// Reads `key: value` pairs at depth 0 of an object literal body; a value that is not a string
/// literal is `Err` with its source text (at most 200 characters).
fn read_object(src: &str, body: &[Token<'_>]) -> Vec<(String, Result<String, String>)> {
    read_pairs(src, body, true)
}

/// [`read_object`] without looking into nested objects.
fn read_flat(src: &str, body: &[Token<'_>]) -> Vec<(String, Result<String, String>)> {
    read_pairs(src, body, false)
}

fn read_pairs(src: &str, body: &[Token<'_>], nest: bool) -> Vec<(String, Result<String, String>)> {
    let mut pairs = Vec::new();
    let mut i = 0;
    while i < body.len() {
        let key = match &body[i].tok {
            Tok::Ident(k) => Some(k.to_string()),
            Tok::Str(k) => Some(decode(k)),
            _ => None,
        };
        let end = expr_end(body, i);
        if let Some(key) = key {
            let value_toks = body.get(i + 2..end).unwrap_or(&[]);
            let nested = matches!(value_toks, [first, .., last] if first.tok == Tok::Punct('{') && last.tok == Tok::Punct('}'));
            if nest && nested && body.get(i + 1).map(|t| &t.tok) == Some(&Tok::Punct(':')) {
                // One level of nesting (`agentApiConfiguration: {agentId, domainUrl}`), as
                // `parent.key`.
                let inner = &value_toks[1..value_toks.len() - 1];
                for (k, v) in read_flat(src, inner) {
                    pairs.push((format!("{key}.{k}"), v));
                }
            } else if body.get(i + 1).map(|t| &t.tok) == Some(&Tok::Punct(':')) {
                let value = match body.get(i + 2..end).unwrap_or(&[]) {
                    [Token {
                        tok: Tok::Str(s), ..
                    }] => Ok(decode(s)),
                    [] => Err(String::new()),
                    [first, .., last] | [first @ last] => Err(src
                        .get(first.start..last.end)
                        .unwrap_or("")
                        .chars()
                        .take(200)
                        .collect()),
                };
                pairs.push((key, value));
            }
        }
        i = end + 1;
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORG: &str = "00DHu00000abcde";

    /// The positional generation (C-AGENTFORCE-POSITIONAL) is its own family, through every
    /// way the other forms are written; the object form stays the object form.
    #[test]
    fn reads_the_positional_agentforce_generation() {
        let args = "'00DHu00000abcde', 'Web_Chat', 'https://acme.my.site.com/ESWWebChat1712345678901', {scrt2URL: 'https://acme.my.salesforce-scrt.com'}";
        let forms = [
            format!("agentforce_messaging.init({args});"),
            format!("window.agentforce_messaging.init({args});"),
            format!("agentforce_messaging['init']({args});"),
            format!("var af = window.agentforce_messaging; af.init({args});"),
            format!("(function (w) {{ w.agentforce_messaging.init({args}); }})(window);"),
            format!("function initAgentforceMessaging() {{ try {{ agentforce_messaging.settings.language = 'en_US'; agentforce_messaging.init(\n{args}\n); }} catch (e) {{}} }}"),
        ];
        for src in &forms {
            let c = one(src);
            assert_eq!(c.family, Family::AgentforcePositional, "{src}");
            assert_eq!(c.org_id.as_deref(), Some(ORG), "{src}");
            assert_eq!(c.deployment.as_deref(), Some("Web_Chat"), "{src}");
            assert_eq!(
                c.site_url.as_deref(),
                Some("https://acme.my.site.com/ESWWebChat1712345678901"),
                "{src}"
            );
            assert_eq!(
                c.scrt2_url.as_deref(),
                Some("https://acme.my.salesforce-scrt.com"),
                "{src}"
            );
            assert!(c.agent_id.is_none() && c.missing.is_empty(), "{src}: {c:?}");
        }
        // Values computed at run time are kept as written, not guessed.
        let c = one("agentforce_messaging.init(ORG, 'Web_Chat', site, {scrt2URL: scrt})");
        assert_eq!(c.family, Family::AgentforcePositional);
        assert_eq!(c.deployment.as_deref(), Some("Web_Chat"));
        assert_eq!(c.org_id, None);
        assert_eq!(c.dynamic_args, vec!["ORG", "site", "scrt2URL: scrt"]);
        // The object form, and a call that is neither, stay the object generation.
        let c = one("agentforce_messaging.init({siteUrl: 'https://acme.my.site.com/ESWAgent1712345678901', agentApiConfiguration: {agentId: '0XxHu000000abcd', domainUrl: 'https://acme.my.salesforce.com'}})");
        assert_eq!(c.family, Family::EnhancedV2);
        let c = one("agentforce_messaging.init('00DHu00000abcde')");
        assert_eq!(c.family, Family::EnhancedV2);
        assert_eq!(c.org_id, None);
        assert_eq!(
            Family::AgentforcePositional.label(),
            "Agentforce Messaging (positional, v2)"
        );
        assert!(Family::AgentforcePositional.is_messaging());
    }

    fn one(src: &str) -> InitCall {
        let calls = find_init_calls(src);
        assert_eq!(
            calls.len(),
            1,
            "expected one call in {src:?}, got {calls:?}"
        );
        calls.into_iter().next().unwrap()
    }

    #[test]
    fn reads_the_setup_snippet_as_given() {
        let src = r#"
	function initEmbeddedMessaging() {
		try {
			embeddedservice_bootstrap.settings.language = 'en_US'; // For example, enter 'en' or 'en-US'

			embeddedservice_bootstrap.init(
				'00DHu00000abcde',
				'Web_Chat',
				'https://acme.my.site.com/ESWWebChat1712345678901',
				{
					scrt2URL: 'https://acme.my.salesforce-scrt.com'
				}
			);
		} catch (err) {
			console.error('Error loading Embedded Messaging: ', err);
		}
	};
"#;
        let c = one(src);
        assert_eq!(c.family, Family::MiawV1);
        assert_eq!(c.org_id.as_deref(), Some(ORG));
        assert_eq!(c.deployment.as_deref(), Some("Web_Chat"));
        assert_eq!(
            c.site_url.as_deref(),
            Some("https://acme.my.site.com/ESWWebChat1712345678901")
        );
        assert_eq!(
            c.scrt2_url.as_deref(),
            Some("https://acme.my.salesforce-scrt.com")
        );
        assert_eq!(c.line, 6);
        assert!(c.dynamic_args.is_empty());
    }

    /// Each row: script text, expected (org id, deployment, site url, scrt2 url). Shapes seen on
    /// real pages: minified one-liners, double quotes, `window.` prefix, quoted keys, escapes,
    /// comments between arguments, a commented-out older snippet before the live one.
    #[test]
    fn table_of_real_world_shapes() {
        type Row = (&'static str, [Option<&'static str>; 4]);
        let rows: &[Row] = &[
            (
                r#"function initEmbeddedMessaging(){try{embeddedservice_bootstrap.settings.language="en_US",embeddedservice_bootstrap.init("00DHu00000abcde","Web_Chat","https://acme.my.site.com/ESWWebChat1712345678901",{scrt2URL:"https://acme.my.salesforce-scrt.com"})}catch(e){console.error(e)}}"#,
                [
                    Some(ORG),
                    Some("Web_Chat"),
                    Some("https://acme.my.site.com/ESWWebChat1712345678901"),
                    Some("https://acme.my.salesforce-scrt.com"),
                ],
            ),
            (
                r#"window.embeddedservice_bootstrap.init( '00DHu00000abcde' /* org */, 'Web_Chat', // dev name
                   'https://acme.my.site.com/ESWWebChat1712345678901', { "scrt2URL" : 'https://acme.my.salesforce-scrt.com', } );"#,
                [
                    Some(ORG),
                    Some("Web_Chat"),
                    Some("https://acme.my.site.com/ESWWebChat1712345678901"),
                    Some("https://acme.my.salesforce-scrt.com"),
                ],
            ),
            (
                r#"embeddedservice_bootstrap.init('00DHu00000abcde','We\u0062_Chat','https:\/\/acme.my.site.com\/ESW',{scrt2URL:'https://acme.my.salesforce-scrt.com'})"#,
                [
                    Some(ORG),
                    Some("Web_Chat"),
                    Some("https://acme.my.site.com/ESW"),
                    Some("https://acme.my.salesforce-scrt.com"),
                ],
            ),
            (
                r#"/* embeddedservice_bootstrap.init('00DOLD0000abcde','Old','https://old.my.site.com/ESW',{}) */
                   agentforce_messaging.init(`00DHu00000abcde`, `Agent_Chat`, `https://acme.my.site.com/ESWAgent1712345678901`, {scrt2URL: `https://acme.my.salesforce-scrt.com`});"#,
                // The positional generation (C-AGENTFORCE-POSITIONAL), in backticks.
                [
                    Some(ORG),
                    Some("Agent_Chat"),
                    Some("https://acme.my.site.com/ESWAgent1712345678901"),
                    Some("https://acme.my.salesforce-scrt.com"),
                ],
            ),
            (
                r#"var re = /embeddedservice_bootstrap.init('x'/; embeddedservice_bootstrap.init(ORG_ID, 'Web_Chat', site + '/ESW', opts);"#,
                [None, Some("Web_Chat"), None, None],
            ),
        ];
        for (src, [org, dep, site, scrt]) in rows {
            let c = one(src);
            assert_eq!(c.org_id.as_deref(), *org, "org in {src}");
            assert_eq!(c.deployment.as_deref(), *dep, "deployment in {src}");
            assert_eq!(c.site_url.as_deref(), *site, "site in {src}");
            assert_eq!(c.scrt2_url.as_deref(), *scrt, "scrt2 in {src}");
        }
    }

    #[test]
    fn dynamic_arguments_are_kept_as_source_text() {
        let c = one("embeddedservice_bootstrap.init(ORG_ID, 'Web_Chat', site + '/ESW', opts);");
        assert_eq!(c.dynamic_args, vec!["ORG_ID", "site + '/ESW'", "opts"]);
    }

    #[test]
    fn legacy_embedded_svc_arguments_map_to_org_and_deployment() {
        let c = one(
            r#"embedded_svc.init('https://acme.my.salesforce.com','https://acme.my.site.com/help','https://service.force.com','00DHu00000abcde','Chat_Team',{baseLiveAgentURL:'https://d.la1-c2-ia2.salesforceliveagent.com/chat',deploymentId:'572Hu000000abcd'});"#,
        );
        assert_eq!(c.family, Family::LegacyChat);
        assert_eq!(c.org_id.as_deref(), Some(ORG));
        assert_eq!(c.deployment.as_deref(), Some("Chat_Team"));
        assert_eq!(c.site_url.as_deref(), Some("https://acme.my.site.com/help"));
    }

    #[test]
    fn two_calls_in_one_script_are_both_found_in_order() {
        let src = "embeddedservice_bootstrap.init('00DHu00000abcde','A','https://a.my.site.com/E',{});\nembeddedservice_bootstrap.init('00DHu00000abcde','B','https://a.my.site.com/F',{});";
        let calls = find_init_calls(src);
        let names: Vec<_> = calls
            .iter()
            .map(|c| c.deployment.clone().unwrap())
            .collect();
        assert_eq!(names, vec!["A", "B"]);
        assert_eq!(calls[1].line, 2);
    }

    #[test]
    fn look_alikes_are_not_calls() {
        for src in [
            "embeddedservice_bootstrap.settings.init = 1;",
            "foo.embeddedservice_bootstrap.init('00DHu00000abcde','A','u',{})",
            "'embeddedservice_bootstrap.init(\"00DHu00000abcde\")'",
            "// embeddedservice_bootstrap.init('00DHu00000abcde','A','u',{})",
            "embeddedservice_bootstrap.initialize('x')",
        ] {
            assert!(find_init_calls(src).is_empty(), "false positive in {src:?}");
        }
    }

    #[test]
    fn broken_text_never_panics() {
        for src in [
            "embeddedservice_bootstrap.init(",
            "embeddedservice_bootstrap.init('unterminated",
            "embeddedservice_bootstrap.init({{{{",
            "embeddedservice_bootstrap.init('\\u{110000}','\\x','\\u12',`${a}`)",
            "/* never closed",
            "é embeddedservice_bootstrap . init ( 'ü' ) ",
            "a / b / embeddedservice_bootstrap.init('x')",
            // Found by the snippet_parser fuzz target: an escape followed by a multi-byte char.
            "embeddedservice_bootstrap.init('\\x\u{360}', '\\u0\u{360}', '\\u{\u{360}}')",
        ] {
            let _ = find_init_calls(src);
        }
        let c = find_init_calls("embeddedservice_bootstrap.init('\\u{110000}','B',`${a}`)");
        assert_eq!(c[0].org_id.as_deref(), Some("\u{fffd}"));
        assert_eq!(c[0].deployment.as_deref(), Some("B"));
        assert_eq!(c[0].site_url, None);
        // A malformed escape keeps the rest of the literal, and its closing quote.
        let c = find_init_calls("embeddedservice_bootstrap.init('\\u{'+x+'}', '\\xé', 'B')");
        assert_eq!(c[0].org_id, None);
        assert_eq!(c[0].deployment.as_deref(), Some("\u{fffd}é"));
        assert_eq!(c[0].site_url.as_deref(), Some("B"));
    }

    #[test]
    fn legacy_channel_menu_is_its_own_family() {
        let c = one(
            "if (window.embedded_svc && window.embedded_svc.menu) { window.embedded_svc.menu.init('https://acme.my.salesforce.com','https://d.la5-c2-ia5.salesforceliveagent.com/chat',gslbBaseURL,'00DHu00000abcde','Channel_Menu',{pageName:'Menu_Settings'}); }",
        );
        assert_eq!(c.family, Family::LegacyMenu);
        assert_eq!(c.org_id.as_deref(), Some(ORG));
        assert_eq!(c.deployment.as_deref(), Some("Channel_Menu"));
        assert_eq!(c.site_url, None);
        assert!(find_init_calls("embedded_svc.menu.settings.language = 'en';").is_empty());
    }

    /// Each row: script text → the lines where `initEmbeddedMessaging` runs.
    #[test]
    fn wrapper_runs_table() {
        let rows: &[(&str, &[u32])] = &[
            (
                "function initEmbeddedMessaging() { embeddedservice_bootstrap.init('a') }",
                &[],
            ),
            ("initEmbeddedMessaging()", &[1]),
            ("window.initEmbeddedMessaging();", &[1]),
            ("window.initEmbeddedMessaging = function () {};", &[]),
            ("var initEmbeddedMessaging = function () {};", &[]),
            (
                "\nwindow.addEventListener('load', initEmbeddedMessaging);",
                &[2],
            ),
            ("setTimeout(initEmbeddedMessaging, 100)", &[1]),
            ("s.onload = initEmbeddedMessaging;", &[1]),
            (
                "s.onload = function () { window.initEmbeddedMessaging(); };",
                &[1],
            ),
            ("initEmbeddedMessaging.call(window)", &[1]),
            (
                "if (initEmbeddedMessaging) {} if (typeof initEmbeddedMessaging === 'function') {}",
                &[],
            ),
            (
                "foo.initEmbeddedMessaging(); // initEmbeddedMessaging()",
                &[],
            ),
            ("'initEmbeddedMessaging()'", &[]),
        ];
        for (src, want) in rows {
            assert_eq!(read_script(src).wrapper_runs, *want, "{src}");
        }
    }

    /// Tag managers and site builders: the loader created in code, init inside its onload or
    /// load listener, the bootstrap reached through a name for window or a variable.
    #[test]
    fn reads_init_calls_written_by_tag_managers() {
        let site = "https://acme.my.site.com/ESWWebChat1712345678901";
        let forms = [
            // `w` is window through a wrapper's parameter.
            format!("(function(w, d){{ var s = d.createElement('script'); s.src = '{site}/assets/js/bootstrap.min.js'; s.onload = function(){{ w.embeddedservice_bootstrap.settings.language = 'en_US'; w.embeddedservice_bootstrap.init('{ORG}', 'Web_Chat', '{site}', {{scrt2URL: 'https://acme.my.salesforce-scrt.com'}}); }}; d.head.appendChild(s); }})(window, document);"),
            // `var w = window`, addEventListener('load', …).
            format!("var w = window; var s = document.createElement('script'); s.addEventListener('load', function () {{ w.embeddedservice_bootstrap.init('{ORG}', 'Web_Chat', '{site}', {{ scrt2URL: 'https://acme.my.salesforce-scrt.com' }}); }});"),
            // A variable holding the bootstrap object.
            format!("var eb = window.embeddedservice_bootstrap; eb.settings.language = 'en_US'; eb.init('{ORG}', 'Web_Chat', '{site}', {{ scrt2URL: 'https://acme.my.salesforce-scrt.com' }});"),
            // Bracket access.
            format!("embeddedservice_bootstrap['init']('{ORG}', 'Web_Chat', '{site}', {{ scrt2URL: 'https://acme.my.salesforce-scrt.com' }});"),
        ];
        for src in &forms {
            let c = one(src);
            assert_eq!(c.family, Family::MiawV1, "{src}");
            assert_eq!(c.org_id.as_deref(), Some(ORG), "{src}");
            assert_eq!(c.deployment.as_deref(), Some("Web_Chat"));
            assert_eq!(c.site_url.as_deref(), Some(site));
            assert_eq!(
                c.scrt2_url.as_deref(),
                Some("https://acme.my.salesforce-scrt.com")
            );
        }
        // Someone else's object is still not the chat.
        assert!(find_init_calls(&format!(
            "var w = other; w.embeddedservice_bootstrap.init('{ORG}', 'X', 'y', {{}});"
        ))
        .is_empty());
        assert!(find_init_calls(&format!(
            "foo.embeddedservice_bootstrap['init']('{ORG}', 'X', 'y', {{}});"
        ))
        .is_empty());
    }

    /// Agentforce Messaging's object form, as public pages write it.
    #[test]
    fn reads_agentforce_messaging_object_form() {
        let src = "agentforce_messaging.init({ siteUrl: 'https://acme.my.site.com/ESWAgent1712345678901', agentApiConfiguration: { agentId: '0XxHu000000abcdKAA', domainUrl: 'https://acme.my.salesforce.com' }, uiConfiguration: { theme: 'light' } });";
        let c = one(src);
        assert_eq!(c.family, Family::EnhancedV2);
        assert_eq!(
            c.site_url.as_deref(),
            Some("https://acme.my.site.com/ESWAgent1712345678901")
        );
        assert_eq!(c.agent_id.as_deref(), Some("0XxHu000000abcdKAA"));
        assert_eq!(
            c.domain_url.as_deref(),
            Some("https://acme.my.salesforce.com")
        );
        assert_eq!(c.org_id, None);
        assert!(c.missing.is_empty());
        // A missing mandatory key is named; a computed one is kept as written.
        let c = one("window.agentforce_messaging.init({siteUrl: cfg.site, agentApiConfiguration: {agentId: '0XxHu000000abcd'}});");
        assert_eq!(c.missing, vec!["domainUrl".to_string()]);
        assert_eq!(c.dynamic_args, vec!["siteUrl: cfg.site".to_string()]);
    }

    /// A value the page computes is kept with its source text, not dropped.
    #[test]
    fn computed_values_are_kept_as_written() {
        let c = one(&format!(
            "embeddedservice_bootstrap.init('{ORG}', cfg.name, 'https://acme.my.site.com/ESW', {{ scrt2URL: cfg.scrt2 + '' }});"
        ));
        assert_eq!(c.deployment, None);
        assert_eq!(c.scrt2_url, None);
        assert_eq!(
            c.dynamic_args,
            vec![
                "cfg.name".to_string(),
                "scrt2URL: cfg.scrt2 + ''".to_string()
            ]
        );
    }
}

/// Multi-byte text cut at every offset, and script text of many calls: the reader never
/// panics and its line numbers are those of a plain count.
#[cfg(test)]
mod bounds {
    use super::*;

    /// Small deterministic generator (no dependency): xorshift.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
            from[(self.next() % from.len() as u64) as usize]
        }
    }

    const PIECES: &[&str] = &[
        "embeddedservice_bootstrap.init(",
        "agentforce_messaging.init(",
        "embedded_svc.menu.init(",
        "initEmbeddedMessaging",
        "(",
        ")",
        ",",
        "{",
        "}",
        "'",
        "\"",
        "`",
        "${",
        "\\",
        "\\u{",
        "\\x",
        "/",
        "/*",
        "*/",
        "//",
        "\n",
        " ",
        "é",
        "漢",
        "🙂",
        "\u{360}",
        "'00DHu00000abcdé'",
        "scrt2URL:",
        "=",
        "onload",
        "window.",
        "a",
        "1",
    ];

    fn plain_line(src: &str, offset: usize) -> u32 {
        1 + src.as_bytes()[..offset]
            .iter()
            .filter(|&&c| c == b'\n')
            .count() as u32
    }

    fn check(src: &str) {
        let read = read_script(src);
        for c in &read.calls {
            assert!(src.is_char_boundary(c.offset), "{src:?}");
            assert_eq!(c.line, plain_line(src, c.offset), "{src:?}");
        }
    }

    #[test]
    fn multi_byte_text_at_every_cut_never_panics() {
        let base = "é embeddedservice_bootstrap.init('00DHu00000abcdé','Wéb_Chat','https://acmé.my.site.com/ESW',{scrt2URL:'https://ü.my.salesforce-scrt.com'}); /* 漢字 */ initEmbeddedMessaging(); `🙂${x}` '\\u{1F642}\\xé'";
        for (cut, _) in base.char_indices() {
            check(&base[..cut]);
            check(&base[cut..]);
        }
    }

    #[test]
    fn random_scripts_of_hostile_pieces_never_panic() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for _ in 0..3_000 {
            let n = (rng.next() % 40) as usize;
            let src: String = (0..n).map(|_| rng.pick(PIECES)).collect();
            check(&src);
            let _ = find_init_calls(&src);
        }
    }

    #[test]
    fn the_last_call_of_a_long_script_has_its_own_line() {
        let call = "embeddedservice_bootstrap.init('00DHu00000abcde','Web_Chat','https://acme.my.site.com/ESW',{scrt2URL:'https://acme.my.salesforce-scrt.com'});\n";
        let n = 512 * 1024 / call.len();
        let src = call.repeat(n);
        let read = read_script(&src);
        assert_eq!(read.calls.len(), n);
        assert_eq!(read.calls.last().map(|c| c.line), Some(n as u32));
        let runs = "initEmbeddedMessaging();\n".repeat(20_000);
        let read = read_script(&runs);
        assert_eq!(read.wrapper_runs.len(), 20_000);
        assert_eq!(read.wrapper_runs.last(), Some(&20_000));
    }

    #[test]
    fn text_without_a_snippet_name_reads_as_nothing() {
        assert_eq!(
            read_script("var a = init('x'); b.init(1);"),
            ScriptRead::default()
        );
        // One name anywhere makes the whole script read.
        let c = find_init_calls("/* embedded_svc */ embeddedservice_bootstrap.init('a')");
        assert_eq!(c.len(), 1);
    }
}
