//! Tolerant recursive-descent parser for the parts of Apex the trigger analyser needs: trigger
//! headers, classes (inner classes, fields, properties, constructors, methods, enums) and method
//! bodies (statements and expressions).
//!
//! Never panics and always makes progress: a construct it cannot read becomes
//! `StmtKind::Unknown` / `ExprKind::Unknown` after skipping to a safe point (`;` or the end of a
//! balanced group). Nesting deeper than [`MAX_DEPTH`] is skipped iteratively, so hostile input
//! cannot exhaust the stack.

use super::lexer::{significant_tokens, unescape, Kw, Token, TokenKind};

/// Maximum syntactic nesting (statements + expressions) followed recursively.
pub const MAX_DEPTH: u32 = 64;
/// Extra depth allowed for left-nested chains (`a.b().c()`, `x + y + z`), built iteratively.
pub const CHAIN_ALLOWANCE: u32 = 64;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct TypeRef {
    /// Dotted name as written (`List`, `Schema.SObjectType`, `ns.Handler`).
    pub name: String,
    pub args: Vec<TypeRef>,
    pub array: bool,
}

impl TypeRef {
    pub fn named(name: &str) -> Self {
        TypeRef {
            name: name.to_string(),
            args: Vec::new(),
            array: false,
        }
    }
    /// Last segment of the name (`ns.Handler` → `Handler`).
    pub fn simple(&self) -> &str {
        self.name.rsplit('.').next().unwrap_or(&self.name)
    }
    pub fn is(&self, name: &str) -> bool {
        self.simple().eq_ignore_ascii_case(name)
    }
    pub fn is_collection(&self) -> bool {
        self.array || self.is("List") || self.is("Set") || self.is("Map") || self.is("Iterable")
    }
    /// The element type of a collection (`List<Case>` → `Case`, `Map<Id, Case>` → `Case`).
    pub fn element(&self) -> Option<&TypeRef> {
        if self.array {
            return None;
        }
        if self.is("Map") {
            self.args.get(1)
        } else if self.is_collection() {
            self.args.first()
        } else {
            None
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub line: u32,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Name(String),
    This,
    Super,
    /// `a.b` / `a?.b`.
    Field(Box<Expr>, String),
    /// `m(args)`, `a.m(args)`.
    Call(Option<Box<Expr>>, String, Vec<Expr>),
    Index(Box<Expr>, Box<Expr>),
    /// `new T(args)` / `new T{init}` / `new T[]{init}`.
    New(TypeRef, Vec<Expr>, Vec<Expr>),
    Unary(&'static str, Box<Expr>),
    Postfix(&'static str, Box<Expr>),
    Binary(&'static str, Box<Expr>, Box<Expr>),
    /// Three or more operands joined by left-associative arithmetic operators of one precedence
    /// (`'a' + b + 'c'`, `x * y / z`): `ops[i]` joins the fold so far with `operands[i + 1]`.
    /// Kept flat so that long generated concatenations (SOQL, JSON) have no nesting limit.
    Chain(Vec<Expr>, Vec<&'static str>),
    Assign(&'static str, Box<Expr>, Box<Expr>),
    Ternary(Box<Expr>, Box<Expr>, Box<Expr>),
    Cast(TypeRef, Box<Expr>),
    InstanceOf(Box<Expr>, TypeRef),
    Query {
        text: String,
        sosl: bool,
    },
    Unknown,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub line: u32,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Catch {
    pub ty: TypeRef,
    pub var: String,
    pub body: Vec<Stmt>,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum WhenValues {
    Else,
    Values(Vec<Expr>),
    Type(TypeRef, String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct WhenArm {
    pub values: WhenValues,
    pub body: Vec<Stmt>,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StmtKind {
    Block(Vec<Stmt>),
    Local {
        ty: TypeRef,
        vars: Vec<(String, Option<Expr>)>,
    },
    Expr(Expr),
    If(Expr, Box<Stmt>, Option<Box<Stmt>>),
    ForEach {
        ty: TypeRef,
        var: String,
        iter: Expr,
        body: Box<Stmt>,
    },
    For {
        init: Vec<Stmt>,
        cond: Option<Expr>,
        update: Vec<Expr>,
        body: Box<Stmt>,
    },
    While(Expr, Box<Stmt>),
    DoWhile(Box<Stmt>, Expr),
    Try {
        body: Vec<Stmt>,
        catches: Vec<Catch>,
        finally: Option<Vec<Stmt>>,
    },
    Switch {
        subject: Expr,
        arms: Vec<WhenArm>,
    },
    Return(Option<Expr>),
    Throw(Expr),
    /// `insert x;` etc. `op` is lower-case; `as_user` for `insert as user x`.
    Dml {
        op: String,
        target: Expr,
        as_user: bool,
    },
    Break,
    Continue,
    Empty,
    Unknown,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub ty: TypeRef,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MethodDecl {
    pub name: String,
    pub ret: TypeRef,
    pub params: Vec<Param>,
    pub is_static: bool,
    /// Annotation names without `@`, lower-case (`future`, `testvisible`, `invocablemethod`).
    pub annotations: Vec<String>,
    /// Source text of the annotations' arguments (e.g. `(callout=true)`), joined.
    pub body: Option<Vec<Stmt>>,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FieldDecl {
    pub name: String,
    pub ty: TypeRef,
    pub is_static: bool,
    pub init: Option<Expr>,
    /// A property with accessor bodies (`{ get { … } set; }`) — value not modelled.
    pub is_property: bool,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClassDecl {
    pub name: String,
    pub extends: Option<TypeRef>,
    pub implements: Vec<TypeRef>,
    pub is_interface: bool,
    pub is_virtual_or_abstract: bool,
    pub sharing: Option<String>,
    pub methods: Vec<MethodDecl>,
    pub ctors: Vec<MethodDecl>,
    pub fields: Vec<FieldDecl>,
    pub inner: Vec<ClassDecl>,
    /// Enums declared in the class (their constants).
    pub enums: Vec<(String, Vec<String>)>,
    pub static_init: Vec<Stmt>,
    pub instance_init: Vec<Stmt>,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TriggerDecl {
    pub name: String,
    pub object: String,
    /// Events as written, normalised to lower case with one space: `before insert`.
    pub events: Vec<String>,
    pub body: Vec<Stmt>,
    pub line: u32,
}

pub struct Parser<'a> {
    src: &'a str,
    toks: Vec<Token>,
    pos: usize,
    depth: u32,
}

fn binop(op: &str) -> Option<(u8, bool)> {
    // (precedence, right-associative)
    Some(match op {
        "=" | "+=" | "-=" | "*=" | "/=" | "&=" | "|=" | "^=" | "%=" | "<<=" => (1, true),
        "?" => (2, true),
        "??" => (3, false),
        "||" => (4, false),
        "&&" => (5, false),
        "|" => (6, false),
        "^" => (7, false),
        "&" => (8, false),
        "==" | "!=" | "===" | "!==" | "<>" => (9, false),
        "<" | ">" | "<=" | ">=" => (10, false),
        "<<" => (11, false),
        "+" | "-" => (12, false),
        "*" | "/" | "%" => (13, false),
        _ => return None,
    })
}

/// Left-associative operators whose repeated use is kept as one flat [`ExprKind::Chain`].
fn chains(op: &str) -> bool {
    matches!(op, "+" | "-" | "*" | "/" | "%")
}

impl<'a> Parser<'a> {
    pub fn new(src: &'a str) -> Self {
        Parser {
            src,
            toks: significant_tokens(src),
            pos: 0,
            depth: 0,
        }
    }

    // ----- token helpers -------------------------------------------------------------------

    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.pos)
    }
    fn peek_at(&self, k: usize) -> Option<&Token> {
        self.toks.get(self.pos + k)
    }
    fn at_end(&self) -> bool {
        self.pos >= self.toks.len()
    }
    fn text(&self, t: &Token) -> &'a str {
        t.text(self.src)
    }
    fn line(&self) -> u32 {
        self.peek()
            .or_else(|| self.toks.last())
            .map(|t| t.line)
            .unwrap_or(1)
    }
    fn start(&self) -> usize {
        self.peek().map(|t| t.start).unwrap_or(self.src.len())
    }
    fn prev_end(&self) -> usize {
        self.pos
            .checked_sub(1)
            .and_then(|p| self.toks.get(p))
            .map(|t| t.end)
            .unwrap_or(0)
    }
    fn is_op(&self, op: &str) -> bool {
        matches!(self.peek(), Some(Token { kind: TokenKind::Op(o), .. }) if *o == op)
    }
    fn is_op_at(&self, k: usize, op: &str) -> bool {
        matches!(self.peek_at(k), Some(Token { kind: TokenKind::Op(o), .. }) if *o == op)
    }
    fn eat_op(&mut self, op: &str) -> bool {
        if self.is_op(op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn is_kw(&self, k: Kw) -> bool {
        matches!(self.peek(), Some(Token { kind: TokenKind::Keyword(x), .. }) if *x == k)
    }
    fn eat_kw(&mut self, k: Kw) -> bool {
        if self.is_kw(k) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    /// Is the next token the (contextual) word `w`, case-insensitively?
    fn is_word(&self, w: &str) -> bool {
        match self.peek() {
            Some(t) if t.kind == TokenKind::Ident => self.text(t).eq_ignore_ascii_case(w),
            _ => false,
        }
    }
    fn is_word_at(&self, k: usize, w: &str) -> bool {
        match self.peek_at(k) {
            Some(t) if t.kind == TokenKind::Ident => self.text(t).eq_ignore_ascii_case(w),
            _ => false,
        }
    }
    fn eat_word(&mut self, w: &str) -> bool {
        if self.is_word(w) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn ident(&mut self) -> Option<String> {
        match self.peek() {
            Some(t) if t.kind == TokenKind::Ident => {
                let s = self.text(t).to_string();
                self.pos += 1;
                Some(s)
            }
            _ => None,
        }
    }
    /// An identifier, or a keyword used as a member name (`Database.insert`, `x.delete`).
    fn member_name(&mut self) -> Option<String> {
        match self.peek() {
            Some(t) if matches!(t.kind, TokenKind::Ident | TokenKind::Keyword(_)) => {
                let s = self.text(t).to_string();
                self.pos += 1;
                Some(s)
            }
            _ => None,
        }
    }

    /// Skip one balanced group starting at the current opening token, iteratively. Stops at the
    /// end of input if the group is never closed.
    fn skip_group(&mut self) {
        let mut depth = 0i64;
        while let Some(t) = self.peek() {
            let k = t.kind;
            self.pos += 1;
            match k {
                TokenKind::Op("(" | "[" | "{") => depth += 1,
                TokenKind::Op(")" | "]" | "}") => {
                    depth -= 1;
                    if depth <= 0 {
                        return;
                    }
                }
                _ => {}
            }
            if depth <= 0 {
                return;
            }
        }
    }

    /// Skip to the end of the current statement: past a `;` at depth 0, or past a balanced
    /// `{…}` that started at depth 0; stops before a `}` that closes an enclosing block.
    fn skip_statement(&mut self) {
        let start = self.pos;
        let mut depth = 0i64;
        while let Some(t) = self.peek() {
            match t.kind {
                TokenKind::Op("(" | "[" | "{") => depth += 1,
                TokenKind::Op(")" | "]") => depth = (depth - 1).max(0),
                TokenKind::Op("}") => {
                    if depth == 0 {
                        break;
                    }
                    depth -= 1;
                    if depth == 0 {
                        self.pos += 1;
                        return;
                    }
                }
                TokenKind::Op(";") if depth == 0 => {
                    self.pos += 1;
                    return;
                }
                _ => {}
            }
            self.pos += 1;
        }
        if self.pos == start && !self.at_end() {
            // A lone `}` the caller does not expect: consume it to make progress.
            self.pos += 1;
        }
    }

    /// Skip the rest of an expression: balanced groups, up to `;`, `,`, or an unmatched closer.
    fn skip_expr(&mut self) {
        let mut depth = 0i64;
        while let Some(t) = self.peek() {
            match t.kind {
                TokenKind::Op("(" | "[" | "{") => depth += 1,
                TokenKind::Op(")" | "]" | "}") => {
                    if depth == 0 {
                        return;
                    }
                    depth -= 1;
                }
                TokenKind::Op(";" | ",") if depth == 0 => return,
                _ => {}
            }
            self.pos += 1;
        }
    }

    // ----- types ---------------------------------------------------------------------------

    fn parse_type(&mut self) -> Option<TypeRef> {
        let first = self.ident()?;
        let mut name = first;
        while self.is_op(".") && self.peek_at(1).is_some_and(|t| t.kind == TokenKind::Ident) {
            self.pos += 1;
            if let Some(seg) = self.ident() {
                name.push('.');
                name.push_str(&seg);
            }
        }
        let mut args = Vec::new();
        if self.is_op("<") {
            let save = self.pos;
            self.pos += 1;
            let mut ok = false;
            if self.depth < MAX_DEPTH {
                self.depth += 1;
                while let Some(t) = self.parse_type() {
                    args.push(t);
                    if self.eat_op(",") {
                        continue;
                    }
                    if self.eat_op(">") {
                        ok = true;
                    }
                    break;
                }
                self.depth -= 1;
            }
            if !ok {
                self.pos = save;
                return None;
            }
        }
        let mut array = false;
        if self.is_op("[") && self.is_op_at(1, "]") {
            self.pos += 2;
            array = true;
        }
        Some(TypeRef { name, args, array })
    }

    // ----- top level -----------------------------------------------------------------------

    /// Parse a trigger source. `None` when the header is not a trigger header.
    pub fn parse_trigger(&mut self) -> Option<TriggerDecl> {
        while matches!(self.peek().map(|t| t.kind), Some(TokenKind::Annotation)) {
            self.pos += 1;
        }
        let line = self.line();
        if !self.eat_word("trigger") {
            return None;
        }
        let name = self.ident().unwrap_or_default();
        if !self.eat_word("on") {
            return None;
        }
        let object = self.parse_type().map(|t| t.name).unwrap_or_default();
        let mut events = Vec::new();
        if self.eat_op("(") {
            let mut cur: Vec<String> = Vec::new();
            while let Some(t) = self.peek() {
                let t = *t;
                self.pos += 1;
                match t.kind {
                    TokenKind::Op(")") => break,
                    TokenKind::Op(",") if !cur.is_empty() => {
                        events.push(cur.join(" "));
                        cur.clear();
                    }
                    TokenKind::Ident | TokenKind::Keyword(_) => {
                        cur.push(self.text(&t).to_ascii_lowercase())
                    }
                    _ => {}
                }
            }
            if !cur.is_empty() {
                events.push(cur.join(" "));
            }
        }
        let body = if self.is_op("{") {
            self.block()
        } else {
            Vec::new()
        };
        Some(TriggerDecl {
            name,
            object,
            events,
            body,
            line,
        })
    }

    /// Parse a class source: every top-level class/interface/enum it declares.
    pub fn parse_classes(&mut self) -> Vec<ClassDecl> {
        let mut out = Vec::new();
        while !self.at_end() {
            let before = self.pos;
            let mods = self.modifiers();
            if self.is_kw(Kw::Class) || self.is_kw(Kw::Interface) {
                let is_interface = self.is_kw(Kw::Interface);
                self.pos += 1;
                if let Some(c) = self.class_rest(is_interface, &mods) {
                    out.push(c);
                }
            } else if self.eat_kw(Kw::Enum) {
                if let Some(e) = self.enum_rest() {
                    out.push(ClassDecl {
                        name: e.0.clone(),
                        enums: vec![e],
                        ..Default::default()
                    });
                }
            } else {
                self.skip_statement();
            }
            if self.pos == before {
                self.pos += 1;
            }
        }
        out
    }

    /// Annotations, access and other modifiers, and `with/without/inherited sharing`. Returns
    /// the lower-case words and annotation names (`@future` → `@future`).
    fn modifiers(&mut self) -> Vec<String> {
        let mut mods = Vec::new();
        while let Some(t) = self.peek().copied() {
            match t.kind {
                TokenKind::Annotation => {
                    mods.push(self.text(&t).to_ascii_lowercase());
                    self.pos += 1;
                    if self.is_op("(") {
                        self.skip_group();
                    }
                }
                TokenKind::Keyword(
                    Kw::Public
                    | Kw::Private
                    | Kw::Protected
                    | Kw::Global
                    | Kw::Static
                    | Kw::Final
                    | Kw::Virtual
                    | Kw::Abstract
                    | Kw::Override
                    | Kw::Transient
                    | Kw::TestMethod
                    | Kw::WebService,
                ) => {
                    mods.push(self.text(&t).to_ascii_lowercase());
                    self.pos += 1;
                }
                TokenKind::Ident
                    if (self.is_word("with")
                        || self.is_word("without")
                        || self.is_word("inherited"))
                        && self.is_word_at(1, "sharing") =>
                {
                    mods.push(format!("{} sharing", self.text(&t).to_ascii_lowercase()));
                    self.pos += 2;
                }
                _ => break,
            }
        }
        mods
    }

    fn enum_rest(&mut self) -> Option<(String, Vec<String>)> {
        let name = self.ident()?;
        let mut vals = Vec::new();
        if self.is_op("{") {
            self.pos += 1;
            while let Some(t) = self.peek().copied() {
                self.pos += 1;
                match t.kind {
                    TokenKind::Op("}") => break,
                    TokenKind::Ident => vals.push(self.text(&t).to_string()),
                    _ => {}
                }
            }
        }
        Some((name, vals))
    }

    fn class_rest(&mut self, is_interface: bool, mods: &[String]) -> Option<ClassDecl> {
        let line = self.line();
        let name = self.ident()?;
        let mut c = ClassDecl {
            name,
            is_interface,
            line,
            is_virtual_or_abstract: mods.iter().any(|m| m == "virtual" || m == "abstract"),
            sharing: mods.iter().find(|m| m.ends_with("sharing")).cloned(),
            ..Default::default()
        };
        loop {
            if self.eat_kw(Kw::Extends) {
                if let Some(t) = self.parse_type() {
                    if is_interface {
                        c.implements.push(t);
                    } else {
                        c.extends = Some(t);
                    }
                }
            } else if self.eat_kw(Kw::Implements) {
                while let Some(t) = self.parse_type() {
                    c.implements.push(t);
                    if !self.eat_op(",") {
                        break;
                    }
                }
            } else {
                break;
            }
        }
        if !self.eat_op("{") {
            return Some(c);
        }
        self.depth += 1;
        while !self.at_end() && !self.is_op("}") {
            let before = self.pos;
            if self.depth > MAX_DEPTH {
                self.skip_statement();
            } else {
                self.member(&mut c);
            }
            if self.pos == before {
                self.pos += 1;
            }
        }
        self.depth -= 1;
        self.eat_op("}");
        Some(c)
    }

    fn member(&mut self, c: &mut ClassDecl) {
        let line = self.line();
        let mods = self.modifiers();
        let is_static = mods.iter().any(|m| m == "static");
        let annotations: Vec<String> = mods
            .iter()
            .filter_map(|m| m.strip_prefix('@'))
            .map(str::to_string)
            .collect();
        if self.is_kw(Kw::Class) || self.is_kw(Kw::Interface) {
            let is_interface = self.is_kw(Kw::Interface);
            self.pos += 1;
            if let Some(inner) = self.class_rest(is_interface, &mods) {
                c.inner.push(inner);
            }
            return;
        }
        if self.eat_kw(Kw::Enum) {
            if let Some(e) = self.enum_rest() {
                c.enums.push(e);
            }
            return;
        }
        if self.is_op("{") {
            let body = self.block();
            if is_static {
                c.static_init.extend(body);
            } else {
                c.instance_init.extend(body);
            }
            return;
        }
        if self.eat_op(";") {
            return;
        }
        // Constructor: `Name(`.
        if self.peek().is_some_and(|t| {
            t.kind == TokenKind::Ident && self.text(t).eq_ignore_ascii_case(&c.name)
        }) && self.is_op_at(1, "(")
        {
            self.pos += 1;
            let params = self.params();
            let body = if self.is_op("{") {
                Some(self.block())
            } else {
                self.skip_statement();
                None
            };
            c.ctors.push(MethodDecl {
                name: c.name.clone(),
                ret: TypeRef::named("void"),
                params,
                is_static: false,
                annotations,
                body,
                line,
            });
            return;
        }
        let Some(ty) = self.parse_type() else {
            self.skip_statement();
            return;
        };
        let Some(name) = self.member_name() else {
            self.skip_statement();
            return;
        };
        if self.is_op("(") {
            let params = self.params();
            let body = if self.is_op("{") {
                Some(self.block())
            } else {
                self.skip_statement();
                None
            };
            c.methods.push(MethodDecl {
                name,
                ret: ty,
                params,
                is_static,
                annotations,
                body,
                line,
            });
            return;
        }
        if self.is_op("{") {
            // Property. `{ get; set; }` is a plain field; accessor bodies are not modelled.
            let s = self.pos;
            self.skip_group();
            let has_bodies = self
                .toks
                .get(s + 1..self.pos.saturating_sub(1))
                .is_some_and(|inner| inner.iter().any(|t| t.kind == TokenKind::Op("{")));
            let init = if self.eat_op("=") {
                let e = self.expr();
                Some(e)
            } else {
                None
            };
            self.eat_op(";");
            c.fields.push(FieldDecl {
                name,
                ty,
                is_static,
                init,
                is_property: has_bodies,
                line,
            });
            return;
        }
        // Field(s).
        let mut name = name;
        loop {
            let init = if self.eat_op("=") {
                Some(self.expr())
            } else {
                None
            };
            c.fields.push(FieldDecl {
                name: name.clone(),
                ty: ty.clone(),
                is_static,
                init,
                is_property: false,
                line,
            });
            if self.eat_op(",") {
                if let Some(n) = self.ident() {
                    name = n;
                    continue;
                }
            }
            break;
        }
        if !self.eat_op(";") {
            self.skip_statement();
        }
    }

    fn params(&mut self) -> Vec<Param> {
        let mut out = Vec::new();
        if !self.eat_op("(") {
            return out;
        }
        while !self.at_end() && !self.is_op(")") {
            let before = self.pos;
            self.eat_kw(Kw::Final);
            while matches!(self.peek().map(|t| t.kind), Some(TokenKind::Annotation)) {
                self.pos += 1;
            }
            match (self.parse_type(), self.ident()) {
                (Some(ty), Some(name)) => out.push(Param { ty, name }),
                _ => {
                    self.skip_expr();
                }
            }
            if !self.eat_op(",") && !self.is_op(")") {
                self.skip_expr();
                if !self.eat_op(",") && !self.is_op(")") && self.pos == before {
                    self.pos += 1;
                }
            }
        }
        self.eat_op(")");
        out
    }

    // ----- statements ----------------------------------------------------------------------

    /// `{ stmt* }` — the current token must be `{`.
    pub fn block(&mut self) -> Vec<Stmt> {
        let mut out = Vec::new();
        if !self.eat_op("{") {
            return out;
        }
        if self.depth > MAX_DEPTH {
            // Too deep: skip the rest of this block without descending.
            self.pos = self.pos.saturating_sub(1);
            self.skip_group();
            return out;
        }
        self.depth += 1;
        while !self.at_end() && !self.is_op("}") {
            let before = self.pos;
            out.push(self.stmt());
            if self.pos == before {
                self.pos += 1;
            }
        }
        self.depth -= 1;
        self.eat_op("}");
        out
    }

    fn mk(&self, kind: StmtKind, line: u32, start: usize) -> Stmt {
        Stmt {
            kind,
            line,
            start,
            end: self.prev_end().max(start),
        }
    }

    pub fn stmt(&mut self) -> Stmt {
        let line = self.line();
        let start = self.start();
        if self.depth > MAX_DEPTH {
            self.skip_statement();
            return self.mk(StmtKind::Unknown, line, start);
        }
        self.depth += 1;
        let kind = self.stmt_kind();
        self.depth -= 1;
        self.mk(kind, line, start)
    }

    fn paren_expr(&mut self) -> Expr {
        if self.eat_op("(") {
            let e = self.expr();
            if !self.eat_op(")") {
                self.skip_expr();
                self.eat_op(")");
            }
            e
        } else {
            self.expr()
        }
    }

    fn end_stmt(&mut self) {
        if !self.eat_op(";") {
            self.skip_statement();
        }
    }

    fn body_stmt(&mut self) -> Box<Stmt> {
        Box::new(self.stmt())
    }

    fn stmt_kind(&mut self) -> StmtKind {
        let Some(t) = self.peek().copied() else {
            return StmtKind::Empty;
        };
        match t.kind {
            TokenKind::Op("{") => StmtKind::Block(self.block()),
            TokenKind::Op(";") => {
                self.pos += 1;
                StmtKind::Empty
            }
            TokenKind::Keyword(Kw::If) => {
                self.pos += 1;
                let cond = self.paren_expr();
                let then = self.body_stmt();
                let els = if self.eat_kw(Kw::Else) {
                    Some(self.body_stmt())
                } else {
                    None
                };
                StmtKind::If(cond, then, els)
            }
            TokenKind::Keyword(Kw::For) => {
                self.pos += 1;
                self.for_rest()
            }
            TokenKind::Keyword(Kw::While) => {
                self.pos += 1;
                let cond = self.paren_expr();
                StmtKind::While(cond, self.body_stmt())
            }
            TokenKind::Keyword(Kw::Do) => {
                self.pos += 1;
                let body = self.body_stmt();
                let cond = if self.eat_kw(Kw::While) {
                    self.paren_expr()
                } else {
                    self.unknown_expr()
                };
                self.eat_op(";");
                StmtKind::DoWhile(body, cond)
            }
            TokenKind::Keyword(Kw::Try) => {
                self.pos += 1;
                let body = self.block();
                let mut catches = Vec::new();
                let mut finally = None;
                loop {
                    let cl = self.line();
                    if self.eat_kw(Kw::Catch) {
                        let mut ty = TypeRef::named("Exception");
                        let mut var = String::new();
                        if self.eat_op("(") {
                            self.eat_kw(Kw::Final);
                            if let Some(t) = self.parse_type() {
                                ty = t;
                            }
                            var = self.ident().unwrap_or_default();
                            if !self.eat_op(")") {
                                self.skip_expr();
                                self.eat_op(")");
                            }
                        }
                        let body = self.block();
                        catches.push(Catch {
                            ty,
                            var,
                            body,
                            line: cl,
                        });
                    } else if self.eat_kw(Kw::Finally) {
                        finally = Some(self.block());
                    } else {
                        break;
                    }
                }
                StmtKind::Try {
                    body,
                    catches,
                    finally,
                }
            }
            TokenKind::Keyword(Kw::Switch) => {
                self.pos += 1;
                self.eat_word("on");
                let subject = self.expr();
                let mut arms = Vec::new();
                if self.eat_op("{") {
                    while !self.at_end() && !self.is_op("}") {
                        let before = self.pos;
                        let line = self.line();
                        if self.eat_word("when") {
                            let values = if self.eat_kw(Kw::Else) {
                                WhenValues::Else
                            } else if self.peek().is_some_and(|t| t.kind == TokenKind::Ident)
                                && self.peek_at(1).is_some_and(|t| t.kind == TokenKind::Ident)
                            {
                                let ty = self.parse_type().unwrap_or_default();
                                let v = self.ident().unwrap_or_default();
                                WhenValues::Type(ty, v)
                            } else {
                                let mut vals = Vec::new();
                                loop {
                                    vals.push(self.expr());
                                    if !self.eat_op(",") {
                                        break;
                                    }
                                }
                                WhenValues::Values(vals)
                            };
                            let body = if self.is_op("{") {
                                self.block()
                            } else {
                                Vec::new()
                            };
                            arms.push(WhenArm { values, body, line });
                        } else {
                            self.skip_statement();
                        }
                        if self.pos == before {
                            self.pos += 1;
                        }
                    }
                    self.eat_op("}");
                }
                StmtKind::Switch { subject, arms }
            }
            TokenKind::Keyword(Kw::Return) => {
                self.pos += 1;
                let e = if self.is_op(";") {
                    None
                } else {
                    Some(self.expr())
                };
                self.end_stmt();
                StmtKind::Return(e)
            }
            TokenKind::Keyword(Kw::Throw) => {
                self.pos += 1;
                let e = self.expr();
                self.end_stmt();
                StmtKind::Throw(e)
            }
            TokenKind::Keyword(Kw::Break) => {
                self.pos += 1;
                self.end_stmt();
                StmtKind::Break
            }
            TokenKind::Keyword(Kw::Continue) => {
                self.pos += 1;
                self.end_stmt();
                StmtKind::Continue
            }
            TokenKind::Keyword(
                k @ (Kw::Insert | Kw::Update | Kw::Upsert | Kw::Delete | Kw::Undelete | Kw::Merge),
            ) if !self.is_op_at(1, ".") && !self.is_op_at(1, "=") => {
                // `insert(x);` is DML too: the DML words are reserved, so no method or
                // variable can be called `insert` and a `(` after one opens its operand.
                let _ = k;
                self.pos += 1;
                let op = self.text(&t).to_ascii_lowercase();
                let mut as_user = false;
                if self.is_word("as")
                    && (self.is_word_at(1, "user") || self.is_word_at(1, "system"))
                {
                    as_user = self.is_word_at(1, "user");
                    self.pos += 2;
                }
                let target = self.expr();
                // `upsert x Field__c;` / `merge a b;` — the rest is not needed.
                self.end_stmt();
                StmtKind::Dml {
                    op,
                    target,
                    as_user,
                }
            }
            TokenKind::Keyword(Kw::Final) => {
                self.pos += 1;
                self.stmt_kind()
            }
            TokenKind::Keyword(Kw::Class | Kw::Enum | Kw::Interface) => {
                // Local types are not allowed in Apex; skip.
                self.skip_statement();
                StmtKind::Unknown
            }
            _ => {
                if let Some(local) = self.try_local() {
                    self.end_stmt();
                    return local;
                }
                let e = self.expr();
                if matches!(e.kind, ExprKind::Unknown) {
                    self.skip_statement();
                    return StmtKind::Unknown;
                }
                self.end_stmt();
                StmtKind::Expr(e)
            }
        }
    }

    /// `Type name [= expr] (, name [= expr])*` if the tokens read that way; else rewinds.
    fn try_local(&mut self) -> Option<StmtKind> {
        let save = self.pos;
        if self.peek().map(|t| t.kind) != Some(TokenKind::Ident) {
            return None;
        }
        let ty = self.parse_type();
        let ok = ty.is_some()
            && self.peek().is_some_and(|t| t.kind == TokenKind::Ident)
            && (self.is_op_at(1, "=") || self.is_op_at(1, ";") || self.is_op_at(1, ","));
        if !ok {
            self.pos = save;
            return None;
        }
        let ty = ty.unwrap_or_default();
        let mut vars = Vec::new();
        while let Some(name) = self.ident() {
            let init = if self.eat_op("=") {
                Some(self.expr())
            } else {
                None
            };
            vars.push((name, init));
            if !self.eat_op(",") {
                break;
            }
        }
        Some(StmtKind::Local { ty, vars })
    }

    fn for_rest(&mut self) -> StmtKind {
        if !self.is_op("(") {
            return StmtKind::Unknown;
        }
        // For-each when a `:` appears at depth 1 before the closing `)` and no `;` does.
        let mut depth = 0i64;
        let mut colon = false;
        let mut k = self.pos;
        while let Some(t) = self.toks.get(k) {
            match t.kind {
                TokenKind::Op("(" | "[" | "{") => depth += 1,
                TokenKind::Op(")" | "]" | "}") => {
                    depth -= 1;
                    if depth <= 0 {
                        break;
                    }
                }
                TokenKind::Op(";") if depth == 1 => break,
                TokenKind::Op(":") if depth == 1 => {
                    colon = true;
                    break;
                }
                _ => {}
            }
            k += 1;
        }
        self.pos += 1;
        if colon {
            let ty = self.parse_type().unwrap_or_default();
            let var = self.ident().unwrap_or_default();
            self.eat_op(":");
            let iter = self.expr();
            if !self.eat_op(")") {
                self.skip_expr();
                self.eat_op(")");
            }
            let body = self.body_stmt();
            return StmtKind::ForEach {
                ty,
                var,
                iter,
                body,
            };
        }
        let mut init = Vec::new();
        if !self.eat_op(";") {
            let line = self.line();
            let start = self.start();
            if let Some(l) = self.try_local() {
                init.push(self.mk(l, line, start));
            } else {
                loop {
                    let e = self.expr();
                    init.push(self.mk(StmtKind::Expr(e), line, start));
                    if !self.eat_op(",") {
                        break;
                    }
                }
            }
            if !self.eat_op(";") {
                self.skip_expr();
                self.eat_op(";");
            }
        }
        let cond = if self.is_op(";") {
            None
        } else {
            Some(self.expr())
        };
        if !self.eat_op(";") {
            self.skip_expr();
            self.eat_op(";");
        }
        let mut update = Vec::new();
        while !self.at_end() && !self.is_op(")") {
            let before = self.pos;
            update.push(self.expr());
            if !self.eat_op(",") {
                break;
            }
            if self.pos == before {
                self.pos += 1;
            }
        }
        if !self.eat_op(")") {
            self.skip_expr();
            self.eat_op(")");
        }
        let body = self.body_stmt();
        StmtKind::For {
            init,
            cond,
            update,
            body,
        }
    }

    // ----- expressions ---------------------------------------------------------------------

    fn unknown_expr(&self) -> Expr {
        Expr {
            kind: ExprKind::Unknown,
            line: self.line(),
            start: self.start(),
            end: self.start(),
        }
    }

    pub fn expr(&mut self) -> Expr {
        self.expr_bp(0)
    }

    fn expr_bp(&mut self, min: u8) -> Expr {
        if self.depth > MAX_DEPTH {
            let e = self.unknown_expr();
            self.skip_expr();
            return e;
        }
        self.depth += 1;
        let base = self.depth;
        let mut lhs = self.unary();
        loop {
            // Operator chains (`a + b + c …`) nest the tree too.
            if self.depth > MAX_DEPTH + CHAIN_ALLOWANCE {
                self.skip_expr();
                break;
            }
            let Some(t) = self.peek().copied() else { break };
            if t.kind == TokenKind::Keyword(Kw::InstanceOf) {
                if 10 < min {
                    break;
                }
                self.pos += 1;
                let ty = self.parse_type().unwrap_or_default();
                let (start, line) = (lhs.start, lhs.line);
                lhs = self.wrap(start, line, |l| ExprKind::InstanceOf(Box::new(l), ty), lhs);
                self.depth += 1;
                continue;
            }
            let TokenKind::Op(op) = t.kind else { break };
            // `>>` / `>>>` arrive as separate `>` tokens: recombine adjacent ones as a shift.
            let (op, width) = if op == ">"
                && self
                    .peek_at(1)
                    .is_some_and(|n| n.kind == TokenKind::Op(">") && n.start == t.end)
            {
                (">>", 2usize)
            } else {
                (op, 1usize)
            };
            let (prec, right) = match op {
                ">>" => (11, false),
                _ => match binop(op) {
                    Some(p) => p,
                    None => break,
                },
            };
            if prec < min {
                break;
            }
            self.pos += width;
            let start = lhs.start;
            let line = lhs.line;
            if op == "?" {
                let then = self.expr_bp(0);
                self.eat_op(":");
                let els = self.expr_bp(prec);
                lhs = Expr {
                    kind: ExprKind::Ternary(Box::new(lhs), Box::new(then), Box::new(els)),
                    line,
                    start,
                    end: self.prev_end().max(start),
                };
                self.depth += 1;
                continue;
            }
            let next_min = if right { prec } else { prec + 1 };
            let rhs = self.expr_bp(next_min);
            if chains(op) {
                // Fold `a + b + c …` into one flat node: same value as the left-nested tree
                // (the fold is left to right), no depth per operand.
                let end = self.prev_end().max(start);
                match lhs.kind {
                    ExprKind::Chain(mut operands, mut ops)
                        if ops
                            .first()
                            .is_some_and(|o| binop(o).map(|b| b.0) == Some(prec)) =>
                    {
                        operands.push(rhs);
                        ops.push(op);
                        lhs = Expr {
                            kind: ExprKind::Chain(operands, ops),
                            line,
                            start,
                            end,
                        };
                        continue;
                    }
                    ExprKind::Binary(o, a, b) if binop(o).map(|b| b.0) == Some(prec) => {
                        lhs = Expr {
                            kind: ExprKind::Chain(vec![*a, *b, rhs], vec![o, op]),
                            line,
                            start,
                            end,
                        };
                        continue;
                    }
                    kind => lhs.kind = kind,
                }
            }
            let kind = if prec == 1 {
                ExprKind::Assign(op, Box::new(lhs), Box::new(rhs))
            } else {
                ExprKind::Binary(op, Box::new(lhs), Box::new(rhs))
            };
            lhs = Expr {
                kind,
                line,
                start,
                end: self.prev_end().max(start),
            };
            self.depth += 1;
        }
        self.depth = base - 1;
        lhs
    }

    fn wrap(&self, start: usize, line: u32, f: impl FnOnce(Expr) -> ExprKind, inner: Expr) -> Expr {
        Expr {
            kind: f(inner),
            line,
            start,
            end: self.prev_end().max(start),
        }
    }

    fn unary(&mut self) -> Expr {
        let line = self.line();
        let start = self.start();
        let Some(t) = self.peek().copied() else {
            return self.unknown_expr();
        };
        if let TokenKind::Op(op @ ("!" | "-" | "+" | "~" | "++" | "--")) = t.kind {
            self.pos += 1;
            if self.depth > MAX_DEPTH {
                let e = self.unknown_expr();
                self.skip_expr();
                return e;
            }
            self.depth += 1;
            let inner = self.unary();
            self.depth -= 1;
            return self.wrap(start, line, |e| ExprKind::Unary(op, Box::new(e)), inner);
        }
        if t.kind == TokenKind::Op("(") {
            if let Some(cast) = self.try_cast() {
                return cast;
            }
        }
        let p = self.primary();
        self.postfix(p)
    }

    /// `(Type) operand` when the parenthesised tokens form a type and an operand follows.
    fn try_cast(&mut self) -> Option<Expr> {
        let save = self.pos;
        let line = self.line();
        let start = self.start();
        self.pos += 1;
        let ty = self.parse_type();
        let looks = ty.is_some()
            && self.is_op(")")
            && self.peek_at(1).is_some_and(|n| {
                matches!(
                    n.kind,
                    TokenKind::Ident
                        | TokenKind::Str
                        | TokenKind::Number
                        | TokenKind::Soql
                        | TokenKind::Keyword(Kw::New | Kw::This | Kw::Null | Kw::Super)
                        | TokenKind::Op("(")
                )
            });
        if !looks {
            self.pos = save;
            return None;
        }
        self.pos += 1; // `)`
        if self.depth > MAX_DEPTH {
            let e = self.unknown_expr();
            self.skip_expr();
            return Some(e);
        }
        self.depth += 1;
        let inner = self.unary();
        self.depth -= 1;
        let ty = ty.unwrap_or_default();
        Some(self.wrap(start, line, |e| ExprKind::Cast(ty, Box::new(e)), inner))
    }

    fn args(&mut self) -> Vec<Expr> {
        let mut out = Vec::new();
        if !self.eat_op("(") {
            return out;
        }
        while !self.at_end() && !self.is_op(")") {
            let before = self.pos;
            out.push(self.expr());
            if self.eat_op(",") {
                continue;
            }
            if !self.is_op(")") {
                self.skip_expr();
                if !self.eat_op(",") && !self.is_op(")") && self.pos == before {
                    break;
                }
            }
        }
        if !self.eat_op(")") {
            // Unbalanced: give up on this argument list.
            self.skip_expr();
            self.eat_op(")");
        }
        out
    }

    fn brace_init(&mut self) -> Vec<Expr> {
        let mut out = Vec::new();
        if !self.eat_op("{") {
            return out;
        }
        while !self.at_end() && !self.is_op("}") {
            let before = self.pos;
            let e = self.expr();
            if self.eat_op("=>") {
                let v = self.expr();
                out.push(e);
                out.push(v);
            } else {
                out.push(e);
            }
            if !self.eat_op(",") && !self.is_op("}") {
                self.skip_expr();
                if !self.eat_op(",") && self.pos == before {
                    break;
                }
            }
        }
        if !self.eat_op("}") {
            self.skip_statement();
        }
        out
    }

    fn primary(&mut self) -> Expr {
        let line = self.line();
        let start = self.start();
        let Some(t) = self.peek().copied() else {
            return self.unknown_expr();
        };
        let kind = match t.kind {
            TokenKind::Number => {
                self.pos += 1;
                let s = self.text(&t).trim_end_matches(['l', 'L', 'd', 'D']);
                ExprKind::Num(s.parse::<f64>().unwrap_or(0.0))
            }
            TokenKind::Str => {
                self.pos += 1;
                ExprKind::Str(unescape(self.text(&t)))
            }
            TokenKind::Soql | TokenKind::Sosl => {
                self.pos += 1;
                ExprKind::Query {
                    text: self.text(&t).to_string(),
                    sosl: t.kind == TokenKind::Sosl,
                }
            }
            TokenKind::Keyword(Kw::Null) => {
                self.pos += 1;
                ExprKind::Null
            }
            TokenKind::Keyword(Kw::True) => {
                self.pos += 1;
                ExprKind::Bool(true)
            }
            TokenKind::Keyword(Kw::False) => {
                self.pos += 1;
                ExprKind::Bool(false)
            }
            TokenKind::Keyword(Kw::This) => {
                self.pos += 1;
                if self.is_op("(") {
                    let args = self.args();
                    ExprKind::Call(None, "this".into(), args)
                } else {
                    ExprKind::This
                }
            }
            TokenKind::Keyword(Kw::Super) => {
                self.pos += 1;
                if self.is_op("(") {
                    let args = self.args();
                    ExprKind::Call(None, "super".into(), args)
                } else {
                    ExprKind::Super
                }
            }
            TokenKind::Keyword(Kw::New) => {
                self.pos += 1;
                match self.parse_type() {
                    None => {
                        self.skip_expr();
                        ExprKind::Unknown
                    }
                    Some(mut ty) => {
                        let mut args = Vec::new();
                        let mut init = Vec::new();
                        if self.is_op("(") {
                            args = self.args();
                        } else if self.is_op("[") {
                            // `new T[n]` / `new T[]{…}`
                            self.skip_group();
                            ty.array = true;
                        }
                        if self.is_op("{") {
                            init = self.brace_init();
                        }
                        ExprKind::New(ty, args, init)
                    }
                }
            }
            TokenKind::Ident if self.type_literal_ahead() => {
                // `List<T>.class`, `Map<K, V>.class`, `X[].class`: a type literal. Read as the
                // `class` member of the type's name, like `Account.class`.
                let ty = self.parse_type().unwrap_or_default();
                let end = self.prev_end().max(start);
                self.pos += 1; // `.`
                let member = self.member_name().unwrap_or_default();
                ExprKind::Field(
                    Box::new(Expr {
                        kind: ExprKind::Name(ty.name),
                        line,
                        start,
                        end,
                    }),
                    member,
                )
            }
            TokenKind::Ident => {
                self.pos += 1;
                let name = self.text(&t).to_string();
                if self.is_op("(") {
                    let args = self.args();
                    ExprKind::Call(None, name, args)
                } else {
                    ExprKind::Name(name)
                }
            }
            TokenKind::Op("(") => {
                self.pos += 1;
                let e = self.expr();
                if !self.eat_op(")") {
                    self.skip_expr();
                    self.eat_op(")");
                }
                return e;
            }
            _ => {
                // Not an expression start; consume nothing here (the caller recovers), except for
                // tokens that can never start a statement either.
                if matches!(
                    t.kind,
                    TokenKind::Unknown | TokenKind::Annotation | TokenKind::Keyword(_)
                ) {
                    self.pos += 1;
                }
                ExprKind::Unknown
            }
        };
        Expr {
            kind,
            line,
            start,
            end: self.prev_end().max(start),
        }
    }

    /// A generic or array type followed by `.class` starts here (without consuming anything).
    fn type_literal_ahead(&mut self) -> bool {
        if !(self.is_op_at(1, "<") || (self.is_op_at(1, "[") && self.is_op_at(2, "]"))) {
            return false;
        }
        let save = self.pos;
        let ok = self.parse_type().is_some()
            && self.is_op(".")
            && self
                .peek_at(1)
                .is_some_and(|t| self.text(t).eq_ignore_ascii_case("class"));
        self.pos = save;
        ok
    }

    fn postfix(&mut self, mut e: Expr) -> Expr {
        let base = self.depth;
        loop {
            // Each link nests the tree one level deeper: count it against the depth budget.
            if self.depth > MAX_DEPTH + CHAIN_ALLOWANCE {
                self.skip_expr();
                break;
            }
            self.depth += 1;
            let start = e.start;
            let line = e.line;
            if self.is_op(".") || self.is_op("?.") {
                self.pos += 1;
                let Some(name) = self.member_name() else {
                    break;
                };
                let kind = if self.is_op("(") {
                    let args = self.args();
                    ExprKind::Call(Some(Box::new(e)), name, args)
                } else {
                    ExprKind::Field(Box::new(e), name)
                };
                e = Expr {
                    kind,
                    line,
                    start,
                    end: self.prev_end().max(start),
                };
            } else if self.is_op("[") {
                self.pos += 1;
                let idx = self.expr();
                if !self.eat_op("]") {
                    self.skip_expr();
                    self.eat_op("]");
                }
                e = self.wrap(
                    start,
                    line,
                    |b| ExprKind::Index(Box::new(b), Box::new(idx)),
                    e,
                );
            } else if self.is_op("++") || self.is_op("--") {
                let op = if self.is_op("++") { "++" } else { "--" };
                self.pos += 1;
                e = self.wrap(start, line, |b| ExprKind::Postfix(op, Box::new(b)), e);
            } else {
                break;
            }
        }
        self.depth = base;
        e
    }
}
