//! A real (subset) SOQL parser and evaluator over the simulated org's tables.
//!
//! Supported: `SELECT` field paths (incl. relationship paths like `LastModifiedBy.Name`) or
//! `COUNT()`, `FROM`, `WHERE` with AND/OR/NOT/parentheses, `= != <> < <= > >=`, `[NOT] IN (...)`,
//! `[NOT] LIKE`, string/number/boolean/null/date-time literals and `TODAY`, `YESTERDAY`,
//! `LAST_N_DAYS:n`, `NEXT_N_DAYS:n`; `WITH SECURITY_ENFORCED`/`USER_MODE` (ignored); `ORDER BY`
//! (ASC/DESC, NULLS FIRST/LAST, several keys); `LIMIT`; `OFFSET`.

use crate::ids;
use crate::org::{Org, Row, Table};
use crate::schema;
use crate::time;
use serde_json::{json, Map, Value};
use std::cmp::Ordering;

/// A query error in Salesforce's shape (`errorCode`, `message`).
#[derive(Debug, Clone, PartialEq)]
pub struct SoqlError {
    pub code: &'static str,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(f64),
    DateTime(i64),
    Op(String),
    LParen,
    RParen,
    Comma,
    Colon,
    Eof,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    pos: usize,
    text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
    DateTime(i64),
    /// A date literal such as TODAY: [start, end) in epoch ms.
    Range(i64, i64),
}

#[derive(Debug, Clone)]
pub struct Path {
    pub segs: Vec<String>,
    pub pos: usize,
}

#[derive(Debug, Clone)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Cmp(Path, String, Lit),
    In(Path, bool, Vec<Lit>),
    Like(Path, bool, String),
}

#[derive(Debug, Clone)]
pub struct OrderItem {
    pub path: Path,
    pub desc: bool,
    pub nulls_last: bool,
}

#[derive(Debug, Clone)]
pub struct Query {
    pub count_only: bool,
    pub fields: Vec<Path>,
    pub object: String,
    pub object_pos: usize,
    pub filter: Option<Expr>,
    pub order: Vec<OrderItem>,
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

/// Result of running a query: all matching records (already limited), as JSON.
#[derive(Debug)]
pub struct QueryResult {
    pub object: String,
    pub total_size: usize,
    pub records: Vec<Value>,
}

pub(crate) fn caret(q: &str, pos: usize, text: &str) -> String {
    let pos = pos.min(q.len());
    let before = &q[..pos];
    let row = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let line_end = q[line_start..]
        .find('\n')
        .map(|i| line_start + i)
        .unwrap_or(q.len());
    let col = q[line_start..pos].chars().count() + 1;
    format!(
        "\n{}\n{}^\nERROR at Row:{}:Column:{}\n{}",
        &q[line_start..line_end],
        " ".repeat(col - 1),
        row,
        col,
        text
    )
}

fn malformed(q: &str, pos: usize, text: &str) -> SoqlError {
    SoqlError {
        code: "MALFORMED_QUERY",
        message: caret(q, pos, text),
    }
}

fn lex(q: &str) -> Result<Vec<Token>, SoqlError> {
    let b = q.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let tok = match c {
            b'(' => {
                i += 1;
                Tok::LParen
            }
            b')' => {
                i += 1;
                Tok::RParen
            }
            b',' => {
                i += 1;
                Tok::Comma
            }
            b':' => {
                i += 1;
                Tok::Colon
            }
            b'=' => {
                i += 1;
                Tok::Op("=".into())
            }
            b'!' if b.get(i + 1) == Some(&b'=') => {
                i += 2;
                Tok::Op("!=".into())
            }
            b'<' | b'>' => {
                i += 1;
                let mut op = (c as char).to_string();
                if b.get(i) == Some(&b'=') || (c == b'<' && b.get(i) == Some(&b'>')) {
                    op.push(b[i] as char);
                    i += 1;
                }
                if op == "<>" {
                    op = "!=".into();
                }
                Tok::Op(op)
            }
            b'\'' => {
                i += 1;
                let mut s = String::new();
                loop {
                    match b.get(i) {
                        None => {
                            return Err(malformed(
                                q,
                                start,
                                "line 1:0 mismatched character '<EOF>' expecting '''",
                            ))
                        }
                        Some(b'\\') => {
                            let n = b.get(i + 1).copied().unwrap_or(b'\\');
                            s.push(match n {
                                b'n' => '\n',
                                b't' => '\t',
                                b'r' => '\r',
                                other => other as char,
                            });
                            i += 2;
                        }
                        Some(b'\'') => {
                            i += 1;
                            break;
                        }
                        Some(_) => {
                            let ch = q[i..].chars().next().unwrap_or(' ');
                            s.push(ch);
                            i += ch.len_utf8();
                        }
                    }
                }
                Tok::Str(s)
            }
            b'0'..=b'9' | b'-' | b'+' | b'.' => {
                i += 1;
                while i < b.len()
                    && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'-' | b':' | b'.' | b'+'))
                {
                    i += 1;
                }
                let text = &q[start..i];
                if text.len() >= 10 && text.as_bytes()[4] == b'-' {
                    match time::parse(text) {
                        Some(ms) => Tok::DateTime(ms),
                        None => {
                            return Err(malformed(q, start, &format!("unexpected token: '{text}'")))
                        }
                    }
                } else {
                    match text.parse::<f64>() {
                        Ok(n) => Tok::Num(n),
                        Err(_) => {
                            return Err(malformed(q, start, &format!("unexpected token: '{text}'")))
                        }
                    }
                }
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'.')
                {
                    i += 1;
                }
                Tok::Ident(q[start..i].to_string())
            }
            _ => {
                let ch = q[i..].chars().next().unwrap_or('?');
                return Err(malformed(q, start, &format!("unexpected token: '{ch}'")));
            }
        };
        out.push(Token {
            tok,
            pos: start,
            text: q[start..i].to_string(),
        });
    }
    out.push(Token {
        tok: Tok::Eof,
        pos: q.len(),
        text: "<EOF>".into(),
    });
    Ok(out)
}

struct Parser<'a> {
    q: &'a str,
    toks: Vec<Token>,
    i: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> &Token {
        &self.toks[self.i]
    }
    fn next(&mut self) -> Token {
        let t = self.toks[self.i].clone();
        if self.i < self.toks.len() - 1 {
            self.i += 1;
        }
        t
    }
    fn unexpected(&self, t: &Token) -> SoqlError {
        if t.tok == Tok::Eof {
            malformed(self.q, t.pos, "unexpected token: <EOF>")
        } else {
            malformed(self.q, t.pos, &format!("unexpected token: '{}'", t.text))
        }
    }
    fn is_kw(&self, kw: &str) -> bool {
        matches!(&self.peek().tok, Tok::Ident(s) if s.eq_ignore_ascii_case(kw))
    }
    fn expect_kw(&mut self, kw: &str) -> Result<Token, SoqlError> {
        if self.is_kw(kw) {
            Ok(self.next())
        } else {
            let t = self.peek().clone();
            Err(self.unexpected(&t))
        }
    }
    fn path(&mut self) -> Result<Path, SoqlError> {
        let t = self.next();
        match &t.tok {
            Tok::Ident(s)
                if !is_reserved(s)
                    && !s.ends_with('.')
                    && !s.starts_with('.')
                    && !s.contains("..") =>
            {
                Ok(Path {
                    segs: s.split('.').map(str::to_string).collect(),
                    pos: t.pos,
                })
            }
            _ => Err(self.unexpected(&t)),
        }
    }

    fn parse(&mut self) -> Result<Query, SoqlError> {
        self.expect_kw("SELECT")?;
        let mut fields = Vec::new();
        let mut count_only = false;
        loop {
            let t = self.peek().clone();
            match &t.tok {
                Tok::Ident(s)
                    if s.eq_ignore_ascii_case("COUNT")
                        && self.toks[self.i + 1].tok == Tok::LParen =>
                {
                    self.next();
                    self.next();
                    let inner = self.next();
                    if inner.tok != Tok::RParen {
                        return Err(malformed(
                            self.q,
                            inner.pos,
                            "simulator: aggregate functions other than COUNT() are not supported",
                        ));
                    }
                    count_only = true;
                }
                Tok::Ident(s)
                    if matches!(
                        s.to_ascii_uppercase().as_str(),
                        "MAX" | "MIN" | "SUM" | "AVG" | "COUNT_DISTINCT" | "FIELDS" | "TYPEOF"
                    ) =>
                {
                    return Err(malformed(
                        self.q,
                        t.pos,
                        &format!("simulator: '{s}' is not supported in the SELECT list"),
                    ));
                }
                Tok::LParen => {
                    return Err(malformed(
                        self.q,
                        t.pos,
                        "simulator: sub-queries are not supported",
                    ))
                }
                _ => fields.push(self.path()?),
            }
            if self.peek().tok == Tok::Comma {
                self.next();
                continue;
            }
            break;
        }
        if count_only && !fields.is_empty() {
            let t = self.peek().clone();
            return Err(malformed(
                self.q,
                t.pos,
                "COUNT() and other fields cannot be combined (simulator: no GROUP BY)",
            ));
        }
        self.expect_kw("FROM")?;
        let ot = self.next();
        let object = match &ot.tok {
            Tok::Ident(s) if !is_reserved(s) && !s.contains('.') => s.clone(),
            _ => return Err(self.unexpected(&ot)),
        };
        // Optional alias is not supported; USING SCOPE neither.
        let mut q = Query {
            count_only,
            fields,
            object,
            object_pos: ot.pos,
            filter: None,
            order: vec![],
            limit: None,
            offset: None,
        };
        if self.is_kw("WHERE") {
            self.next();
            q.filter = Some(self.or_expr()?);
        }
        if self.is_kw("WITH") {
            self.next();
            let t = self.next();
            match &t.tok {
                Tok::Ident(s)
                    if ["SECURITY_ENFORCED", "USER_MODE", "SYSTEM_MODE"]
                        .iter()
                        .any(|k| s.eq_ignore_ascii_case(k)) => {}
                _ => return Err(self.unexpected(&t)),
            }
        }
        if self.is_kw("GROUP") {
            let t = self.peek().clone();
            return Err(malformed(
                self.q,
                t.pos,
                "simulator: GROUP BY is not supported",
            ));
        }
        if self.is_kw("ORDER") {
            self.next();
            self.expect_kw("BY")?;
            loop {
                let path = self.path()?;
                let mut desc = false;
                if self.is_kw("ASC") {
                    self.next();
                } else if self.is_kw("DESC") {
                    self.next();
                    desc = true;
                }
                let mut nulls_last = desc;
                if self.is_kw("NULLS") {
                    self.next();
                    if self.is_kw("FIRST") {
                        self.next();
                        nulls_last = false;
                    } else {
                        self.expect_kw("LAST")?;
                        nulls_last = true;
                    }
                }
                q.order.push(OrderItem {
                    path,
                    desc,
                    nulls_last,
                });
                if self.peek().tok == Tok::Comma {
                    self.next();
                    continue;
                }
                break;
            }
        }
        if self.is_kw("LIMIT") {
            self.next();
            q.limit = Some(self.count()?);
        }
        if self.is_kw("OFFSET") {
            self.next();
            q.offset = Some(self.count()?);
        }
        if self.is_kw("FOR") {
            self.next();
            let t = self.next();
            match &t.tok {
                Tok::Ident(s)
                    if ["VIEW", "REFERENCE", "UPDATE"]
                        .iter()
                        .any(|k| s.eq_ignore_ascii_case(k)) => {}
                _ => return Err(self.unexpected(&t)),
            }
        }
        let t = self.peek().clone();
        if t.tok != Tok::Eof {
            return Err(self.unexpected(&t));
        }
        Ok(q)
    }

    fn count(&mut self) -> Result<usize, SoqlError> {
        let t = self.next();
        match t.tok {
            Tok::Num(n) if n >= 0.0 && n.fract() == 0.0 => Ok(n as usize),
            _ => Err(self.unexpected(&t)),
        }
    }

    fn or_expr(&mut self) -> Result<Expr, SoqlError> {
        let mut left = self.and_expr()?;
        while self.is_kw("OR") {
            self.next();
            let right = self.and_expr()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> Result<Expr, SoqlError> {
        let mut left = self.not_expr()?;
        while self.is_kw("AND") {
            self.next();
            let right = self.not_expr()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn not_expr(&mut self) -> Result<Expr, SoqlError> {
        if self.is_kw("NOT") {
            self.next();
            return Ok(Expr::Not(Box::new(self.not_expr()?)));
        }
        if self.peek().tok == Tok::LParen {
            self.next();
            let e = self.or_expr()?;
            let t = self.next();
            if t.tok != Tok::RParen {
                return Err(self.unexpected(&t));
            }
            return Ok(e);
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Expr, SoqlError> {
        let path = self.path()?;
        let mut negate = false;
        if self.is_kw("NOT") {
            self.next();
            negate = true;
        }
        if self.is_kw("IN") {
            self.next();
            let t = self.next();
            if t.tok != Tok::LParen {
                return Err(self.unexpected(&t));
            }
            let mut values = Vec::new();
            loop {
                values.push(self.literal()?);
                let t = self.next();
                match t.tok {
                    Tok::Comma => continue,
                    Tok::RParen => break,
                    _ => return Err(self.unexpected(&t)),
                }
            }
            return Ok(Expr::In(path, negate, values));
        }
        if self.is_kw("LIKE") {
            self.next();
            let t = self.next();
            return match t.tok {
                Tok::Str(s) => Ok(Expr::Like(path, negate, s)),
                _ => Err(self.unexpected(&t)),
            };
        }
        if negate {
            let t = self.peek().clone();
            return Err(self.unexpected(&t));
        }
        let t = self.next();
        let op = match &t.tok {
            Tok::Op(op) => op.clone(),
            _ => return Err(self.unexpected(&t)),
        };
        let lit = self.literal()?;
        Ok(Expr::Cmp(path, op, lit))
    }

    fn literal(&mut self) -> Result<Lit, SoqlError> {
        let t = self.next();
        Ok(match &t.tok {
            Tok::Str(s) => Lit::Str(s.clone()),
            Tok::Num(n) => Lit::Num(*n),
            Tok::DateTime(ms) => Lit::DateTime(*ms),
            Tok::Ident(s) => {
                let u = s.to_ascii_uppercase();
                let day = 86_400_000;
                let today = time::now_ms().div_euclid(day) * day;
                match u.as_str() {
                    "TRUE" => Lit::Bool(true),
                    "FALSE" => Lit::Bool(false),
                    "NULL" => Lit::Null,
                    "TODAY" => Lit::Range(today, today + day),
                    "YESTERDAY" => Lit::Range(today - day, today),
                    "TOMORROW" => Lit::Range(today + day, today + 2 * day),
                    "LAST_N_DAYS" | "NEXT_N_DAYS" | "N_DAYS_AGO" => {
                        let c = self.next();
                        if c.tok != Tok::Colon {
                            return Err(self.unexpected(&c));
                        }
                        let n = self.count()? as i64;
                        match u.as_str() {
                            "LAST_N_DAYS" => Lit::Range(today - n * day, today + day),
                            "NEXT_N_DAYS" => Lit::Range(today + day, today + (n + 1) * day),
                            _ => Lit::Range(today - n * day, today - (n - 1) * day),
                        }
                    }
                    _ => return Err(self.unexpected(&t)),
                }
            }
            _ => return Err(self.unexpected(&t)),
        })
    }
}

fn is_reserved(s: &str) -> bool {
    const KW: &[&str] = &[
        "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "ORDER", "BY", "LIMIT",
        "OFFSET", "ASC", "DESC", "NULLS", "GROUP", "HAVING", "WITH", "FOR", "NULL", "TRUE",
        "FALSE",
    ];
    KW.iter().any(|k| k.eq_ignore_ascii_case(s))
}

/// Parses a SOQL string.
pub fn parse(q: &str) -> Result<Query, SoqlError> {
    let toks = lex(q)?;
    Parser { q, toks, i: 0 }.parse()
}

/// Step of a resolved path: a relationship hop or the final field.
#[derive(Debug, Clone)]
struct Hop {
    /// Output key (relationship name, canonical).
    rel: String,
    fk: String,
    /// Target table, or empty for polymorphic targets.
    target: String,
}

#[derive(Debug, Clone)]
struct Resolved {
    hops: Vec<Hop>,
    field: String,
}

fn invalid_field(q: &str, pos: usize, field: &str, object: &str) -> SoqlError {
    SoqlError {
        code: "INVALID_FIELD",
        message: caret(
            q,
            pos,
            &format!(
                "No such column '{field}' on entity '{object}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."
            ),
        ),
    }
}

fn resolve_path(org: &Org, q: &str, table: &Table, path: &Path) -> Result<Resolved, SoqlError> {
    let mut cur: Option<&Table> = Some(table);
    let mut hops = Vec::new();
    let n = path.segs.len();
    for (i, seg) in path.segs.iter().enumerate() {
        let last = i == n - 1;
        let Some(t) = cur else {
            // Polymorphic target: accept any name.
            if last {
                return Ok(Resolved {
                    hops,
                    field: seg.clone(),
                });
            }
            hops.push(Hop {
                rel: seg.clone(),
                fk: format!("{seg}Id"),
                target: String::new(),
            });
            continue;
        };
        if last {
            let field = t
                .field(seg)
                .ok_or_else(|| invalid_field(q, path.pos, seg, &t.name))?;
            return Ok(Resolved {
                hops,
                field: field.to_string(),
            });
        }
        let (fk, target) = if let Some((fk, target)) =
            schema::relationship(&t.name, seg).filter(|(fk, _)| t.field(fk).is_some())
        {
            (t.field(&fk).unwrap_or(&fk).to_string(), target.to_string())
        } else if let Some(fk) = t.field(&format!("{seg}Id")) {
            (fk.to_string(), String::new())
        } else if seg.to_ascii_lowercase().ends_with("__r")
            && t.field(&format!("{}__c", &seg[..seg.len() - 3])).is_some()
        {
            (
                t.field(&format!("{}__c", &seg[..seg.len() - 3]))
                    .unwrap_or_default()
                    .to_string(),
                String::new(),
            )
        } else {
            return Err(SoqlError {
                code: "INVALID_FIELD",
                message: caret(
                    q,
                    path.pos,
                    &format!(
                        "Didn't understand relationship '{seg}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names."
                    ),
                ),
            });
        };
        let rel = if let Some(base) = fk.strip_suffix("__c") {
            format!("{base}__r")
        } else {
            fk.strip_suffix("Id").unwrap_or(&fk).to_string()
        };
        cur = if target.is_empty() {
            None
        } else {
            // A relationship to an object the org lacks is not understood either.
            match org.table(&target) {
                Some(tt) => Some(tt),
                None => {
                    return Err(SoqlError {
                        code: "INVALID_FIELD",
                        message: caret(
                            q,
                            path.pos,
                            &format!("Didn't understand relationship '{seg}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names."),
                        ),
                    })
                }
            }
        };
        hops.push(Hop { rel, fk, target });
    }
    Err(malformed(q, path.pos, "empty field path"))
}

fn get(row: &Row, field: &str) -> Value {
    if let Some(v) = row.get(field) {
        return v.clone();
    }
    row.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(field))
        .map(|(_, v)| v.clone())
        .unwrap_or(Value::Null)
}

/// Follows a hop from `row`: the target row and its table name.
fn follow<'a>(org: &'a Org, row: &Row, hop: &Hop) -> Option<(String, &'a Row)> {
    let key = get(row, &hop.fk);
    let key = key.as_str()?;
    if hop.target.is_empty() {
        org.find_by_id(key).map(|(t, r)| (t.name.clone(), r))
    } else {
        org.find_in(&hop.target, key)
            .map(|r| (hop.target.clone(), r))
    }
}

fn value_of(org: &Org, row: &Row, r: &Resolved) -> Value {
    let mut cur = row;
    for hop in &r.hops {
        match follow(org, cur, hop) {
            Some((_, next)) => cur = next,
            None => return Value::Null,
        }
    }
    get(cur, &r.field)
}

fn lower(s: &str) -> String {
    s.to_lowercase()
}

fn cmp_values(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Less,
        (_, Value::Null) => Ordering::Greater,
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .unwrap_or(0.0)
            .partial_cmp(&y.as_f64().unwrap_or(0.0))
            .unwrap_or(Ordering::Equal),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::String(x), Value::String(y)) => match (time::parse(x), time::parse(y)) {
            (Some(p), Some(q)) => p.cmp(&q),
            _ => lower(x).cmp(&lower(y)),
        },
        _ => lower(&a.to_string()).cmp(&lower(&b.to_string())),
    }
}

fn lit_cmp(v: &Value, lit: &Lit) -> Option<Ordering> {
    match (v, lit) {
        (Value::Null, _) | (_, Lit::Null) | (_, Lit::Range(..)) => None,
        (Value::String(s), Lit::Str(l)) => {
            if ids::looks_like_id(s) && ids::looks_like_id(l) && ids::same_id(s, l) {
                return Some(Ordering::Equal);
            }
            Some(lower(s).cmp(&lower(l)))
        }
        (Value::String(s), Lit::DateTime(ms)) => time::parse(s).map(|t| t.cmp(ms)),
        (Value::String(s), Lit::Num(n)) => s.parse::<f64>().ok().and_then(|x| x.partial_cmp(n)),
        (Value::Number(x), Lit::Num(n)) => x.as_f64().and_then(|x| x.partial_cmp(n)),
        (Value::Number(x), Lit::Str(s)) => s
            .parse::<f64>()
            .ok()
            .and_then(|n| x.as_f64().and_then(|x| x.partial_cmp(&n))),
        (Value::Bool(x), Lit::Bool(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Lit::Str(s)) => Some(x.to_string().cmp(&lower(s))),
        _ => None,
    }
}

fn compare(v: &Value, op: &str, lit: &Lit) -> bool {
    if *lit == Lit::Null {
        return match op {
            "=" => v.is_null(),
            "!=" => !v.is_null(),
            _ => false,
        };
    }
    if let Lit::Range(start, end) = lit {
        let Some(t) = v.as_str().and_then(time::parse) else {
            return op == "!=" && v.is_null();
        };
        return match op {
            "=" => t >= *start && t < *end,
            "!=" => !(t >= *start && t < *end),
            ">" => t >= *end,
            ">=" => t >= *start,
            "<" => t < *start,
            "<=" => t < *end,
            _ => false,
        };
    }
    if v.is_null() {
        return op == "!=";
    }
    match lit_cmp(v, lit) {
        Some(o) => match op {
            "=" => o == Ordering::Equal,
            "!=" => o != Ordering::Equal,
            "<" => o == Ordering::Less,
            "<=" => o != Ordering::Greater,
            ">" => o == Ordering::Greater,
            ">=" => o != Ordering::Less,
            _ => false,
        },
        None => op == "!=",
    }
}

/// SQL LIKE with `%` and `_`, case-insensitive.
pub fn like(text: &str, pattern: &str) -> bool {
    let t: Vec<char> = text.to_lowercase().chars().collect();
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let (mut ti, mut pi) = (0usize, 0usize);
    let (mut star, mut mark) = (None::<usize>, 0usize);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '_' || p[pi] == t[ti]) {
            ti += 1;
            pi += 1;
        } else if pi < p.len() && p[pi] == '%' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '%' {
        pi += 1;
    }
    pi == p.len()
}

enum RExpr {
    And(Box<RExpr>, Box<RExpr>),
    Or(Box<RExpr>, Box<RExpr>),
    Not(Box<RExpr>),
    Cmp(Resolved, String, Lit),
    In(Resolved, bool, Vec<Lit>),
    Like(Resolved, bool, String),
}

fn resolve_expr(org: &Org, q: &str, t: &Table, e: &Expr) -> Result<RExpr, SoqlError> {
    Ok(match e {
        Expr::And(a, b) => RExpr::And(
            Box::new(resolve_expr(org, q, t, a)?),
            Box::new(resolve_expr(org, q, t, b)?),
        ),
        Expr::Or(a, b) => RExpr::Or(
            Box::new(resolve_expr(org, q, t, a)?),
            Box::new(resolve_expr(org, q, t, b)?),
        ),
        Expr::Not(a) => RExpr::Not(Box::new(resolve_expr(org, q, t, a)?)),
        Expr::Cmp(p, op, l) => RExpr::Cmp(resolve_path(org, q, t, p)?, op.clone(), l.clone()),
        Expr::In(p, n, l) => RExpr::In(resolve_path(org, q, t, p)?, *n, l.clone()),
        Expr::Like(p, n, s) => RExpr::Like(resolve_path(org, q, t, p)?, *n, s.clone()),
    })
}

fn eval(org: &Org, row: &Row, e: &RExpr) -> bool {
    match e {
        RExpr::And(a, b) => eval(org, row, a) && eval(org, row, b),
        RExpr::Or(a, b) => eval(org, row, a) || eval(org, row, b),
        RExpr::Not(a) => !eval(org, row, a),
        RExpr::Cmp(p, op, l) => compare(&value_of(org, row, p), op, l),
        RExpr::In(p, negate, lits) => {
            let v = value_of(org, row, p);
            let hit = lits.iter().any(|l| compare(&v, "=", l));
            hit != *negate
        }
        RExpr::Like(p, negate, pat) => match value_of(org, row, p) {
            Value::String(s) => like(&s, pat) != *negate,
            _ => false,
        },
    }
}

/// URL of a record as `attributes.url` prints it.
pub fn record_url(version: &str, tooling: bool, object: &str, id: &str) -> String {
    if tooling {
        format!("/services/data/v{version}/tooling/sobjects/{object}/{id}")
    } else {
        format!("/services/data/v{version}/sobjects/{object}/{id}")
    }
}

fn attributes(version: &str, tooling: bool, object: &str, row: &Row) -> Value {
    let id = get(row, "Id");
    match id.as_str() {
        Some(id) => json!({"type": object, "url": record_url(version, tooling, object, id)}),
        None => json!({"type": object}),
    }
}

fn put_path(
    org: &Org,
    out: &mut Map<String, Value>,
    row: &Row,
    r: &Resolved,
    depth: usize,
    version: &str,
    tooling: bool,
) {
    if depth == r.hops.len() {
        out.insert(r.field.clone(), get(row, &r.field));
        return;
    }
    let hop = &r.hops[depth];
    match follow(org, row, hop) {
        None => {
            out.entry(hop.rel.clone()).or_insert(Value::Null);
        }
        Some((tname, next)) => {
            let entry = out.entry(hop.rel.clone()).or_insert(Value::Null);
            if !entry.is_object() {
                let mut m = Map::new();
                m.insert(
                    "attributes".into(),
                    attributes(version, tooling, &tname, next),
                );
                *entry = Value::Object(m);
            }
            if let Value::Object(m) = entry {
                put_path(org, m, next, r, depth + 1, version, tooling);
            }
        }
    }
}

/// Runs `q` over the org. `tooling` selects the Tooling API's object set.
pub fn run(org: &Org, q: &str, tooling: bool, version: &str) -> Result<QueryResult, SoqlError> {
    let query = parse(q)?;
    let table = org.table(&query.object).filter(|t| if tooling { t.tooling } else { t.rest }).ok_or_else(|| SoqlError {
        code: "INVALID_TYPE",
        message: caret(
            q,
            query.object_pos,
            &format!(
                "sObject type '{}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.",
                query.object
            ),
        ),
    })?;
    let mut select = Vec::new();
    for p in &query.fields {
        select.push(resolve_path(org, q, table, p)?);
    }
    let filter = match &query.filter {
        Some(e) => Some(resolve_expr(org, q, table, e)?),
        None => None,
    };
    let mut order = Vec::new();
    for o in &query.order {
        order.push((resolve_path(org, q, table, &o.path)?, o.desc, o.nulls_last));
    }
    let mut rows: Vec<&Row> = table
        .rows
        .iter()
        .filter(|r| filter.as_ref().map(|f| eval(org, r, f)).unwrap_or(true))
        .collect();
    if !order.is_empty() {
        rows.sort_by(|a, b| {
            for (p, desc, nulls_last) in &order {
                let (va, vb) = (value_of(org, a, p), value_of(org, b, p));
                let o = match (va.is_null(), vb.is_null()) {
                    (true, true) => Ordering::Equal,
                    (true, false) => {
                        if *nulls_last {
                            Ordering::Greater
                        } else {
                            Ordering::Less
                        }
                    }
                    (false, true) => {
                        if *nulls_last {
                            Ordering::Less
                        } else {
                            Ordering::Greater
                        }
                    }
                    _ => {
                        let o = cmp_values(&va, &vb);
                        if *desc {
                            o.reverse()
                        } else {
                            o
                        }
                    }
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        });
    }
    let offset = query.offset.unwrap_or(0);
    let rows: Vec<&Row> = rows
        .into_iter()
        .skip(offset)
        .take(query.limit.unwrap_or(usize::MAX))
        .collect();
    if query.count_only {
        return Ok(QueryResult {
            object: table.name.clone(),
            total_size: rows.len(),
            records: vec![],
        });
    }
    let has_metadata = table.fields.iter().any(|f| f == "Metadata");
    let wants_metadata = select
        .iter()
        .any(|r| r.hops.is_empty() && (r.field == "Metadata" || r.field == "FullName"));
    if has_metadata && wants_metadata && rows.len() > 1 {
        return Err(SoqlError {
            code: "MALFORMED_QUERY",
            message: format!(
                "When retrieving results with Metadata or FullName fields, the query qualifications must specify no more than one row for retrieval. Result size: {}",
                rows.len()
            ),
        });
    }
    let records = rows
        .iter()
        .map(|row| {
            let mut m = Map::new();
            m.insert(
                "attributes".into(),
                attributes(version, tooling, &table.name, row),
            );
            for r in &select {
                put_path(org, &mut m, row, r, 0, version, tooling);
            }
            Value::Object(m)
        })
        .collect::<Vec<_>>();
    Ok(QueryResult {
        object: table.name.clone(),
        total_size: records.len(),
        records,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns() {
        assert!(like("ESW_Web_Chat_1712", "ESW_%"));
        assert!(like("esw_web", "ESW%"));
        assert!(!like("MyESW", "ESW%"));
        assert!(like("abc", "a_c"));
        assert!(like("", "%"));
    }

    #[test]
    fn parses_a_full_query() {
        let q = parse("SELECT Id, LastModifiedBy.Name FROM ValidationRule WHERE (Active = true OR NOT Name LIKE 'x%') AND Id IN ('a','b') ORDER BY Name DESC NULLS LAST, Id LIMIT 5 OFFSET 1").unwrap();
        assert_eq!(q.fields.len(), 2);
        assert_eq!(q.fields[1].segs, vec!["LastModifiedBy", "Name"]);
        assert_eq!(q.order.len(), 2);
        assert!(q.order[0].desc && q.order[0].nulls_last);
        assert_eq!(q.limit, Some(5));
        assert_eq!(q.offset, Some(1));
    }

    #[test]
    fn malformed_queries_point_at_the_token() {
        let e = parse("SELECT Id FROM User WHERE").unwrap_err();
        assert_eq!(e.code, "MALFORMED_QUERY");
        assert!(
            e.message.contains("unexpected token: <EOF>"),
            "{}",
            e.message
        );
        assert!(
            e.message.contains("ERROR at Row:1:Column:26"),
            "{}",
            e.message
        );
        let e = parse("SELECT Id FROM User WHERE Name = = 'x'").unwrap_err();
        assert!(e.message.contains("unexpected token: '='"), "{}", e.message);
        assert!(parse("SELECT FROM User").is_err());
        assert!(parse("SELECT Id User").is_err());
    }
}
