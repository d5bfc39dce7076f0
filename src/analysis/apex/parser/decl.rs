//! Declarations: trigger headers, classes and interfaces (modifiers, `extends`/`implements`,
//! inner classes, enums, fields, properties, constructors, methods and their parameters).

use super::{
    ClassDecl, FieldDecl, MethodDecl, Param, Parser, Stmt, TriggerDecl, TypeRef, MAX_DEPTH,
};
use crate::analysis::apex::lexer::{Kw, TokenKind};

impl Parser<'_> {
    /// A property's accessor block `{ [modifiers] get [{ … } | ;] [modifiers] set [{ … } | ;] }`,
    /// from its `{`: the getter's body when it has one. Anything else is skipped as a group.
    fn accessors(&mut self) -> Option<Vec<Stmt>> {
        let s = self.pos;
        self.eat_op("{");
        let mut getter = None;
        loop {
            if self.at_end() || self.eat_op("}") {
                return getter;
            }
            while !self.is_word("get")
                && !self.is_word("set")
                && matches!(
                    self.peek().map(|t| t.kind),
                    Some(TokenKind::Ident | TokenKind::Keyword(_))
                )
            {
                self.pos += 1;
            }
            let is_get = self.is_word("get");
            if !is_get && !self.is_word("set") {
                self.pos = s;
                self.skip_group();
                return None;
            }
            self.pos += 1;
            if self.is_op("{") {
                if is_get {
                    getter = Some(self.block());
                } else {
                    self.skip_group();
                }
            } else {
                self.eat_op(";");
            }
        }
    }

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
            // Property. `{ get; set; }` is a plain field; a `get { … }` body runs on each read.
            let s = self.pos;
            let getter = self.accessors();
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
                getter,
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
                getter: None,
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
}
