//! A small regular-expression matcher for REGEX(): the subset of Java regex that validation
//! rules use, matched against the WHOLE text (Salesforce's REGEX requires a full match).
//!
//! Supported: literals, `.`, classes `[a-z]` `[^…]` (with `\d \w \s` inside), `\d \D \w \W \s
//! \S`, escapes of punctuation and `\t \n \r \f`, `^`/`$`, `* + ? {m} {m,} {m,n}` (greedy or
//! lazy — the same thing for a full match), `|`, groups `(…)` and `(?:…)`.
//! Anything else (look-around, back-references, `\b`, `\p{…}`, flags, possessive quantifiers,
//! class unions) is reported as unsupported, never guessed.
//!
//! Matching is a Thompson-NFA simulation: linear in the text, no recursion, no backtracking
//! blow-up.

const MAX_GROUP_DEPTH: u32 = 64;
const MAX_PROGRAM: usize = 20_000;
const MAX_REPEAT: u32 = 1_000;
const MAX_WORK: usize = 50_000_000;

#[derive(Debug, Clone)]
struct Class {
    ranges: Vec<(char, char)>,
    negated: bool,
}

impl Class {
    fn matches(&self, c: char) -> bool {
        self.ranges.iter().any(|&(a, b)| a <= c && c <= b) != self.negated
    }
}

#[derive(Debug, Clone)]
enum Node {
    Lit(char),
    Any,
    Class(Class),
    Start,
    End,
    Cat(Vec<Node>),
    Alt(Vec<Node>),
    Rep(Box<Node>, u32, Option<u32>),
}

const DIGIT: &[(char, char)] = &[('0', '9')];
const WORD: &[(char, char)] = &[('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')];
const SPACE: &[(char, char)] = &[
    (' ', ' '),
    ('\t', '\t'),
    ('\n', '\n'),
    ('\u{b}', '\u{b}'),
    ('\u{c}', '\u{c}'),
    ('\r', '\r'),
];

struct P {
    c: Vec<char>,
    i: usize,
}

type R<T> = Result<T, String>;

fn unsupported(what: &str) -> String {
    format!("REGEX pattern uses {what}, which this analyser does not evaluate")
}

impl P {
    fn peek(&self) -> Option<char> {
        self.c.get(self.i).copied()
    }

    fn alt(&mut self, depth: u32) -> R<Node> {
        if depth > MAX_GROUP_DEPTH {
            return Err(unsupported("groups nested too deeply"));
        }
        let mut alts = vec![self.cat(depth)?];
        while self.peek() == Some('|') {
            self.i += 1;
            alts.push(self.cat(depth)?);
        }
        Ok(if alts.len() == 1 {
            alts.pop().unwrap_or(Node::Cat(Vec::new()))
        } else {
            Node::Alt(alts)
        })
    }

    fn cat(&mut self, depth: u32) -> R<Node> {
        let mut items = Vec::new();
        while let Some(ch) = self.peek() {
            if ch == '|' || ch == ')' {
                break;
            }
            let atom = self.atom(depth)?;
            let atom = self.quantified(atom)?;
            items.push(atom);
        }
        Ok(Node::Cat(items))
    }

    fn number(&mut self) -> Option<u32> {
        let start = self.i;
        let mut v: u32 = 0;
        while let Some(d) = self.peek().and_then(|c| c.to_digit(10)) {
            v = v.saturating_mul(10).saturating_add(d);
            self.i += 1;
        }
        (self.i > start).then_some(v)
    }

    fn quantified(&mut self, atom: Node) -> R<Node> {
        let (min, max) = match self.peek() {
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('?') => (0, Some(1)),
            Some('{') => {
                self.i += 1;
                let Some(min) = self.number() else {
                    return Err("REGEX pattern is invalid: '{' without a repetition count".into());
                };
                let max = if self.peek() == Some(',') {
                    self.i += 1;
                    self.number()
                } else {
                    Some(min)
                };
                if self.peek() != Some('}') {
                    return Err("REGEX pattern is invalid: unclosed '{'".into());
                }
                if max.is_some_and(|m| m < min) {
                    return Err("REGEX pattern is invalid: {m,n} with n < m".into());
                }
                if min > MAX_REPEAT || max.is_some_and(|m| m > MAX_REPEAT) {
                    return Err(unsupported("a repetition count above 1000"));
                }
                (min, max)
            }
            _ => return Ok(atom),
        };
        self.i += 1;
        match self.peek() {
            Some('?') => self.i += 1, // lazy: same result for a full match
            Some('+') => return Err(unsupported("a possessive quantifier")),
            _ => {}
        }
        if matches!(self.peek(), Some('*' | '+' | '?' | '{')) {
            return Err("REGEX pattern is invalid: a quantifier follows a quantifier".into());
        }
        Ok(Node::Rep(Box::new(atom), min, max))
    }

    fn atom(&mut self, depth: u32) -> R<Node> {
        let Some(ch) = self.peek() else {
            return Err("REGEX pattern is invalid".into());
        };
        self.i += 1;
        Ok(match ch {
            '(' => {
                if self.peek() == Some('?') {
                    if self.c.get(self.i + 1) == Some(&':') {
                        self.i += 2;
                    } else {
                        return Err(unsupported("look-around, flags or named groups"));
                    }
                }
                let inner = self.alt(depth + 1)?;
                if self.peek() != Some(')') {
                    return Err("REGEX pattern is invalid: unclosed group".into());
                }
                self.i += 1;
                inner
            }
            '[' => Node::Class(self.class()?),
            '.' => Node::Any,
            '^' => Node::Start,
            '$' => Node::End,
            '*' | '+' | '?' | '{' => {
                return Err(format!(
                    "REGEX pattern is invalid: dangling '{ch}' with nothing to repeat"
                ))
            }
            '\\' => self.escape()?,
            c => Node::Lit(c),
        })
    }

    fn escape(&mut self) -> R<Node> {
        let Some(e) = self.peek() else {
            return Err("REGEX pattern is invalid: trailing backslash".into());
        };
        self.i += 1;
        let class = |r: &[(char, char)], negated| {
            Node::Class(Class {
                ranges: r.to_vec(),
                negated,
            })
        };
        Ok(match e {
            'd' => class(DIGIT, false),
            'D' => class(DIGIT, true),
            'w' => class(WORD, false),
            'W' => class(WORD, true),
            's' => class(SPACE, false),
            'S' => class(SPACE, true),
            't' => Node::Lit('\t'),
            'n' => Node::Lit('\n'),
            'r' => Node::Lit('\r'),
            'f' => Node::Lit('\u{c}'),
            c if c.is_ascii_alphanumeric() => {
                return Err(unsupported(&format!("the escape \\{c}")));
            }
            c => Node::Lit(c),
        })
    }

    fn class_char(&mut self, ranges: &mut Vec<(char, char)>) -> R<Option<char>> {
        let Some(ch) = self.peek() else {
            return Err("REGEX pattern is invalid: unclosed '['".into());
        };
        self.i += 1;
        if ch == '[' {
            return Err(unsupported("a nested character class"));
        }
        if ch == '&' && self.peek() == Some('&') {
            return Err(unsupported("a class intersection"));
        }
        if ch != '\\' {
            return Ok(Some(ch));
        }
        let Some(e) = self.peek() else {
            return Err("REGEX pattern is invalid: trailing backslash".into());
        };
        self.i += 1;
        Ok(match e {
            'd' => {
                ranges.extend_from_slice(DIGIT);
                None
            }
            'w' => {
                ranges.extend_from_slice(WORD);
                None
            }
            's' => {
                ranges.extend_from_slice(SPACE);
                None
            }
            't' => Some('\t'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            'f' => Some('\u{c}'),
            c if c.is_ascii_alphanumeric() => {
                return Err(unsupported(&format!("the escape \\{c} in a class")))
            }
            c => Some(c),
        })
    }

    fn class(&mut self) -> R<Class> {
        let mut negated = false;
        if self.peek() == Some('^') {
            negated = true;
            self.i += 1;
        }
        let mut ranges = Vec::new();
        let mut first = true;
        loop {
            match self.peek() {
                None => return Err("REGEX pattern is invalid: unclosed '['".into()),
                Some(']') if !first => {
                    self.i += 1;
                    break;
                }
                _ => {}
            }
            first = false;
            let Some(lo) = self.class_char(&mut ranges)? else {
                continue;
            };
            let is_range =
                self.peek() == Some('-') && self.c.get(self.i + 1).is_some_and(|c| *c != ']');
            if is_range {
                self.i += 1;
                let Some(hi) = self.class_char(&mut ranges)? else {
                    return Err("REGEX pattern is invalid: bad class range".into());
                };
                if hi < lo {
                    return Err("REGEX pattern is invalid: bad class range".into());
                }
                ranges.push((lo, hi));
            } else {
                ranges.push((lo, lo));
            }
        }
        Ok(Class { ranges, negated })
    }
}

#[derive(Debug, Clone)]
enum Inst {
    Char(char),
    Any,
    Class(Class),
    Start,
    End,
    Split(usize, usize),
    Jmp(usize),
    Match,
}

fn emit(prog: &mut Vec<Inst>, inst: Inst) -> R<usize> {
    if prog.len() >= MAX_PROGRAM {
        return Err(unsupported("a pattern too large to expand"));
    }
    prog.push(inst);
    Ok(prog.len() - 1)
}

fn patch(prog: &mut [Inst], at: usize, to: usize, second: bool) {
    if let Some(inst) = prog.get_mut(at) {
        match inst {
            Inst::Split(a, b) => {
                if second {
                    *b = to
                } else {
                    *a = to
                }
            }
            Inst::Jmp(a) => *a = to,
            _ => {}
        }
    }
}

fn compile(node: &Node, prog: &mut Vec<Inst>) -> R<()> {
    match node {
        Node::Lit(c) => {
            emit(prog, Inst::Char(*c))?;
        }
        Node::Any => {
            emit(prog, Inst::Any)?;
        }
        Node::Class(c) => {
            emit(prog, Inst::Class(c.clone()))?;
        }
        Node::Start => {
            emit(prog, Inst::Start)?;
        }
        Node::End => {
            emit(prog, Inst::End)?;
        }
        Node::Cat(items) => {
            for n in items {
                compile(n, prog)?;
            }
        }
        Node::Alt(alts) => {
            let mut jumps = Vec::new();
            let count = alts.len();
            for (k, a) in alts.iter().enumerate() {
                if k + 1 < count {
                    let split = emit(prog, Inst::Split(0, 0))?;
                    patch(prog, split, split + 1, false);
                    compile(a, prog)?;
                    jumps.push(emit(prog, Inst::Jmp(0))?);
                    let next = prog.len();
                    patch(prog, split, next, true);
                } else {
                    compile(a, prog)?;
                }
            }
            let end = prog.len();
            for j in jumps {
                patch(prog, j, end, false);
            }
        }
        Node::Rep(body, min, max) => {
            for _ in 0..*min {
                compile(body, prog)?;
            }
            match max {
                None => {
                    let split = emit(prog, Inst::Split(0, 0))?;
                    patch(prog, split, split + 1, false);
                    compile(body, prog)?;
                    emit(prog, Inst::Jmp(split))?;
                    let end = prog.len();
                    patch(prog, split, end, true);
                }
                Some(max) => {
                    let mut splits = Vec::new();
                    for _ in *min..*max {
                        let split = emit(prog, Inst::Split(0, 0))?;
                        patch(prog, split, split + 1, false);
                        splits.push(split);
                        compile(body, prog)?;
                    }
                    let end = prog.len();
                    for s in splits {
                        patch(prog, s, end, true);
                    }
                }
            }
        }
    }
    Ok(())
}

fn add_thread(
    prog: &[Inst],
    list: &mut Vec<usize>,
    seen: &mut [u32],
    generation: u32,
    start_pc: usize,
    pos: usize,
    len: usize,
) {
    let mut stack = vec![start_pc];
    while let Some(pc) = stack.pop() {
        match seen.get_mut(pc) {
            Some(s) if *s == generation => continue,
            Some(s) => *s = generation,
            None => continue,
        }
        match prog.get(pc) {
            Some(Inst::Jmp(to)) => stack.push(*to),
            Some(Inst::Split(a, b)) => {
                stack.push(*b);
                stack.push(*a);
            }
            Some(Inst::Start) if pos == 0 => stack.push(pc + 1),
            Some(Inst::End) if pos == len => stack.push(pc + 1),
            Some(Inst::Start | Inst::End) => {}
            Some(_) => list.push(pc),
            None => {}
        }
    }
}

/// Whether `pattern` matches the whole of `text`; `Err` says why it cannot be judged.
pub(crate) fn full_match(pattern: &str, text: &str) -> Result<bool, String> {
    let mut p = P {
        c: pattern.chars().collect(),
        i: 0,
    };
    let node = p.alt(0)?;
    if p.i < p.c.len() {
        return Err("REGEX pattern is invalid: unbalanced ')'".into());
    }
    let mut prog = Vec::new();
    compile(&node, &mut prog)?;
    emit(&mut prog, Inst::Match)?;
    let chars: Vec<char> = text.chars().collect();
    let len = chars.len();
    if (len + 1).saturating_mul(prog.len()) > MAX_WORK {
        return Err(unsupported("a text too long for this pattern"));
    }
    let mut seen = vec![u32::MAX; prog.len()];
    let mut generation = 0u32;
    let mut clist = Vec::new();
    add_thread(&prog, &mut clist, &mut seen, generation, 0, 0, len);
    for (pos, &ch) in chars.iter().enumerate() {
        if clist.is_empty() {
            return Ok(false);
        }
        generation += 1;
        let mut nlist = Vec::new();
        for &pc in &clist {
            let step = match prog.get(pc) {
                Some(Inst::Char(c)) => *c == ch,
                Some(Inst::Any) => !matches!(ch, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}'),
                Some(Inst::Class(cl)) => cl.matches(ch),
                _ => false,
            };
            if step {
                add_thread(
                    &prog,
                    &mut nlist,
                    &mut seen,
                    generation,
                    pc + 1,
                    pos + 1,
                    len,
                );
            }
        }
        clist = nlist;
    }
    Ok(clist
        .iter()
        .any(|&pc| matches!(prog.get(pc), Some(Inst::Match))))
}

#[cfg(test)]
mod tests {
    use super::full_match;

    #[test]
    fn regex_table() {
        let rows: &[(&str, &str, Option<bool>)] = &[
            (r"\d{3}-\d{4}", "555-1234", Some(true)),
            (r"\d{3}-\d{4}", "555-12345", Some(false)),
            (r"[A-Z][a-z]+", "Hello", Some(true)),
            (r"[^0-9]*", "abc", Some(true)),
            (r"[^0-9]*", "ab1", Some(false)),
            (r"(cat|dog)s?", "dogs", Some(true)),
            (r"(?:ab)+", "ababab", Some(true)),
            (r"a{2,3}", "aaaa", Some(false)),
            (r"a{2,}", "aaaa", Some(true)),
            (r"^\s*$", "  ", Some(true)),
            (r".*@.*\..*", "a@b.co", Some(true)),
            (r"\w+", "über", Some(false)),
            (r"(a*)*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaac", Some(false)),
            (r"(?=a)a", "a", None),
            (r"\bfoo", "foo", None),
            (r"(a", "a", None),
            (r"*a", "a", None),
            (r"a++", "a", None),
            (r"[a-]", "-", Some(true)),
            (r"\.", ".", Some(true)),
            (r"", "", Some(true)),
            (r"a|", "", Some(true)),
        ];
        for (pat, text, want) in rows {
            let got = full_match(pat, text).ok();
            assert_eq!(got, *want, "pattern {pat:?} on {text:?}");
        }
    }
}
