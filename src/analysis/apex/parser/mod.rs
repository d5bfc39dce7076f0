//! Tolerant recursive-descent parser for the parts of Apex the trigger analyser needs: trigger
//! headers, classes (inner classes, fields, properties, constructors, methods, enums) and method
//! bodies (statements and expressions).
//!
//! Never panics and always makes progress: a construct it cannot read becomes
//! `StmtKind::Unknown` / `ExprKind::Unknown` after skipping to a safe point (`;` or the end of a
//! balanced group). Nesting deeper than [`MAX_DEPTH`] is skipped iteratively, so hostile input
//! cannot exhaust the stack.
//!
//! Layout: this file holds the parser's cursor (token look-ahead, skipping to a safe point) and
//! type names, which every part uses; `ast` the tree it builds (what the interpreter walks);
//! `decl` trigger headers and class members; `stmt` statements; `expr` expressions. Each part
//! is an `impl Parser` block over the same cursor and depth budget.

use super::lexer::{significant_tokens, Kw, Token, TokenKind};

mod ast;
mod decl;
mod expr;
mod stmt;

pub use ast::{
    Catch, ClassDecl, Expr, ExprKind, FieldDecl, MethodDecl, Param, Stmt, StmtKind, TriggerDecl,
    TypeRef, WhenArm, WhenValues,
};

/// Maximum syntactic nesting (statements + expressions) followed recursively.
pub const MAX_DEPTH: u32 = 64;
/// Extra depth allowed for left-nested chains (`a.b().c()`, `x + y + z`), built iteratively.
pub const CHAIN_ALLOWANCE: u32 = 64;

pub struct Parser<'a> {
    src: &'a str,
    toks: Vec<Token>,
    pos: usize,
    depth: u32,
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
}
