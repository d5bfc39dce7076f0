//! Statements: blocks, if/else, loops, try/catch, switch; and conditions.

use super::*;

impl<'p, 'a> Interp<'p, 'a> {
    // ----- statements --------------------------------------------------------------------------

    pub(super) fn exec_block(&mut self, stmts: &'p [Stmt]) -> Reach {
        let base = self.guards.len();
        self.push_scope();
        let mut reach = Reach::Yes;
        for s in stmts {
            if self.steps > STEP_BUDGET {
                self.budget_hit = true;
                break;
            }
            match self.exec(s) {
                Reach::Yes => {}
                Reach::No => {
                    if self.dead == 0 {
                        reach = if reach == Reach::Maybe {
                            Reach::Maybe
                        } else {
                            Reach::No
                        };
                        // Walk the rest as unreachable so its sites are still listed.
                        self.dead += 1;
                        for rest in stmts.iter().skip_while(|x| !std::ptr::eq(*x, s)).skip(1) {
                            self.exec(rest);
                        }
                        self.dead -= 1;
                    }
                    break;
                }
                Reach::Maybe => {
                    reach = Reach::Maybe;
                    if self.dead == 0 {
                        let why = self
                            .exit_why
                            .take()
                            .unwrap_or_else(|| "an earlier return or throw is not taken".into());
                        self.push_guard(s.line, CONTINUES.into(), true, GuardValue::Unknown, why);
                    }
                }
            }
        }
        self.pop_scope();
        self.guards.truncate(base);
        reach
    }

    pub(super) fn exec_dead(&mut self, s: &'p Stmt) {
        self.dead += 1;
        self.exec(s);
        self.dead -= 1;
    }

    pub(super) fn exec(&mut self, s: &'p Stmt) -> Reach {
        if self.nest >= MAX_NEST {
            self.budget_hit = true;
            return Reach::Yes;
        }
        self.nest += 1;
        let r = self.exec_inner(s);
        self.nest -= 1;
        r
    }

    pub(super) fn exec_inner(&mut self, s: &'p Stmt) -> Reach {
        self.steps += 1;
        if self.steps > STEP_BUDGET {
            self.budget_hit = true;
            return Reach::Yes;
        }
        match &s.kind {
            StmtKind::Block(b) => self.exec_block(b),
            StmtKind::Empty | StmtKind::Unknown | StmtKind::Break | StmtKind::Continue => {
                if matches!(s.kind, StmtKind::Break | StmtKind::Continue) {
                    Reach::No
                } else {
                    Reach::Yes
                }
            }
            StmtKind::Local { ty, vars } => {
                for (name, init) in vars {
                    let v = match init {
                        Some(e) => {
                            let v = self.eval(e);
                            self.single_row_check(ty, e);
                            v
                        }
                        None => Val::Null(NullWhy::Plain(format!("`{name}` was never assigned"))),
                    };
                    self.declare(name, Some(ty.clone()), v);
                }
                Reach::Yes
            }
            StmtKind::Expr(e) => {
                self.eval(e);
                Reach::Yes
            }
            StmtKind::If(c, then, els) => self.exec_if(s, c, then, els.as_deref()),
            StmtKind::ForEach {
                ty,
                var,
                iter,
                body,
            } => {
                let it = self.eval(iter);
                let elem_is_ms = ty.is("MessagingSession");
                let (guard, loop_val) = match &it {
                    Val::RecordList => (None, Val::Record),
                    Val::Coll(true) => (
                        Some((
                            GuardValue::False,
                            format!("`{}` is empty here", self.src(iter)),
                        )),
                        Val::Unknown(String::new()),
                    ),
                    Val::Rows(obj, _, l) => (
                        Some((
                            GuardValue::Unknown,
                            format!("the query at line {l} finds at least one {obj} record"),
                        )),
                        Val::SObject(obj.clone()),
                    ),
                    other => {
                        let w = val_why(other);
                        (
                            Some((
                                GuardValue::Unknown,
                                if w.is_empty() {
                                    format!("`{}` has at least one element", self.src(iter))
                                } else {
                                    w
                                },
                            )),
                            if elem_is_ms {
                                Val::Record
                            } else {
                                Val::Unknown(format!("an element of `{}`", self.src(iter)))
                            },
                        )
                    }
                };
                self.push_scope();
                self.declare(var, Some(ty.clone()), loop_val);
                let cond = format!("for ({} {var} : {})", ty.name, self.src(iter));
                let r = match guard {
                    None => self.exec(body),
                    Some((GuardValue::False, why)) => {
                        self.push_guard(s.line, cond, true, GuardValue::False, why);
                        self.exec_dead(body);
                        self.guards.pop();
                        Reach::Yes
                    }
                    Some((v, why)) => {
                        self.push_guard(s.line, cond, true, v, why);
                        self.exec(body);
                        self.guards.pop();
                        Reach::Yes
                    }
                };
                self.pop_scope();
                if r == Reach::No {
                    Reach::Yes
                } else {
                    r
                }
            }
            StmtKind::For {
                init,
                cond,
                update,
                body,
            } => {
                self.push_scope();
                for i in init {
                    self.exec(i);
                }
                let t = match cond {
                    Some(c) => self.cond(c),
                    None => (Tri::T, String::new()),
                };
                let ctext = cond.as_ref().map(|c| self.src(c)).unwrap_or_default();
                self.loop_body(s.line, ctext, t, body);
                for u in update {
                    self.eval(u);
                }
                self.pop_scope();
                Reach::Yes
            }
            StmtKind::While(c, body) => {
                let t = self.cond(c);
                let ctext = self.src(c);
                self.loop_body(s.line, ctext, t, body);
                Reach::Yes
            }
            StmtKind::DoWhile(body, c) => {
                self.exec(body);
                self.cond(c);
                Reach::Yes
            }
            StmtKind::Try {
                body,
                catches,
                finally,
            } => self.exec_try(body, catches, finally.as_deref()),
            StmtKind::Switch { subject, arms } => self.exec_switch(s, subject, arms),
            StmtKind::Return(e) => {
                let v = match e {
                    Some(e) => self.eval(e),
                    None => Val::Unknown(String::new()),
                };
                if self.dead == 0 {
                    let uncertain = self.uncertain_since(self.frame_base());
                    let when = if uncertain {
                        self.path_conditions(self.frame_base())
                    } else {
                        String::new()
                    };
                    if let Some(f) = self.frames.last_mut() {
                        f.whens.push(when);
                        f.returns.push(if uncertain {
                            match v {
                                Val::Bool(_) | Val::Text(_) | Val::Num(_) | Val::Null(_) => v,
                                other => other,
                            }
                        } else {
                            v
                        });
                    }
                }
                Reach::No
            }
            StmtKind::Throw(e) => {
                let v = self.eval(e);
                let ty = match (&e.kind, &v) {
                    (_, Val::Exception(t)) => t.clone(),
                    (ExprKind::New(t, _, _), _) => t.name.clone(),
                    _ => "Exception".to_string(),
                };
                let msg = match &e.kind {
                    ExprKind::New(_, args, _) => args
                        .first()
                        .map(|a| self.src(a))
                        .filter(|m| !m.is_empty())
                        .map(|m| format!(" with message {m}"))
                        .unwrap_or_default(),
                    _ => String::new(),
                };
                let note = format!(
                    "throws {ty}{msg}; an uncaught exception in {} {} trigger rolls back the insert",
                    article(self.event.label()),
                    self.event.label()
                );
                self.site(s.line, SiteKind::Throw, Risk::Blocks, note, Some(&ty));
                Reach::No
            }
            StmtKind::Dml {
                op,
                target,
                as_user,
            } => {
                let v = self.eval(target);
                self.dml_site(s.line, op, target, &v, Some(true), *as_user);
                Reach::Yes
            }
        }
    }

    pub(super) fn loop_body(&mut self, line: u32, ctext: String, t: (Tri, String), body: &'p Stmt) {
        match t.0 {
            Tri::T => {
                self.push_guard(line, ctext, true, GuardValue::True, t.1);
                self.exec(body);
                self.guards.pop();
            }
            Tri::F => {
                self.push_guard(line, ctext, true, GuardValue::False, t.1);
                self.exec_dead(body);
                self.guards.pop();
            }
            Tri::U(w) => {
                self.push_guard(line, ctext, true, GuardValue::Unknown, join_why(&w, &t.1));
                self.exec(body);
                self.guards.pop();
            }
        }
    }

    pub(super) fn exec_if(
        &mut self,
        s: &'p Stmt,
        c: &'p Expr,
        then: &'p Stmt,
        els: Option<&'p Stmt>,
    ) -> Reach {
        let (t, facts) = self.cond(c);
        let ctext = self.src(c);
        match t {
            Tri::T => {
                self.push_guard(s.line, ctext.clone(), true, GuardValue::True, facts.clone());
                let r = self.exec(then);
                self.guards.pop();
                if let Some(e) = els {
                    self.push_guard(s.line, ctext, false, GuardValue::False, facts);
                    self.exec_dead(e);
                    self.guards.pop();
                }
                r
            }
            Tri::F => {
                self.push_guard(
                    s.line,
                    ctext.clone(),
                    true,
                    GuardValue::False,
                    facts.clone(),
                );
                self.exec_dead(then);
                self.guards.pop();
                match els {
                    Some(e) => {
                        self.push_guard(s.line, ctext, false, GuardValue::True, facts);
                        let r = self.exec(e);
                        self.guards.pop();
                        r
                    }
                    None => Reach::Yes,
                }
            }
            Tri::U(why) => {
                let why = join_why(&why, &facts);
                self.push_guard(
                    s.line,
                    ctext.clone(),
                    true,
                    GuardValue::Unknown,
                    why.clone(),
                );
                let r1 = self.exec(then);
                self.guards.pop();
                let r2 = match els {
                    Some(e) => {
                        self.push_guard(
                            s.line,
                            ctext.clone(),
                            false,
                            GuardValue::Unknown,
                            why.clone(),
                        );
                        let r = self.exec(e);
                        self.guards.pop();
                        r
                    }
                    None => Reach::Yes,
                };
                match (r1, r2) {
                    (Reach::Yes, Reach::Yes) => Reach::Yes,
                    (Reach::No, Reach::No) => Reach::No,
                    (Reach::No, _) => {
                        self.exit_why = Some(format!("`{ctext}` is false ({why})"));
                        Reach::Maybe
                    }
                    (_, Reach::No) => {
                        self.exit_why = Some(format!("`{ctext}` is true ({why})"));
                        Reach::Maybe
                    }
                    _ => Reach::Maybe,
                }
            }
        }
    }

    pub(super) fn exec_try(
        &mut self,
        body: &'p [Stmt],
        catches: &'p [crate::analysis::apex::parser::Catch],
        finally: Option<&'p [Stmt]>,
    ) -> Reach {
        let unit = self.unit();
        self.tries.push(TryFrame {
            catches: catches
                .iter()
                .map(|c| (c.ty.simple().to_ascii_lowercase(), unit, c.line))
                .collect(),
            hits: vec![Hit::None; catches.len()],
            first: vec![None; catches.len()],
        });
        let r = self.exec_block(body);
        let tf = self.tries.pop();
        let (hits, first) = tf.map(|t| (t.hits, t.first)).unwrap_or_default();
        let mut reach = r;
        for (i, c) in catches.iter().enumerate() {
            let hit = hits.get(i).copied().unwrap_or(Hit::None);
            let ctext = format!("catch ({} {})", c.ty.name, c.var);
            self.push_scope();
            self.declare(
                &c.var,
                Some(c.ty.clone()),
                Val::Exception(c.ty.name.clone()),
            );
            match hit {
                Hit::Definite if self.dead == 0 => {
                    self.push_guard(
                        c.line,
                        ctext,
                        true,
                        GuardValue::True,
                        "the try block throws on every path".into(),
                    );
                    let cr = self.exec_block(&c.body);
                    self.guards.pop();
                    if r == Reach::No {
                        reach = cr;
                    }
                }
                Hit::Maybe if self.dead == 0 => {
                    self.push_guard(
                        c.line,
                        ctext,
                        true,
                        GuardValue::Unknown,
                        match first.get(i).cloned().flatten() {
                            Some(what) => format!("a statement in the try block throws: {what}"),
                            None => "a statement in the try block throws".into(),
                        },
                    );
                    let cr = self.exec_block(&c.body);
                    self.guards.pop();
                    if cr != Reach::No && reach == Reach::No {
                        reach = Reach::Maybe;
                    }
                }
                _ => {
                    self.push_guard(
                        c.line,
                        ctext,
                        true,
                        GuardValue::False,
                        format!("nothing in the try block throws {}", c.ty.name),
                    );
                    self.dead += 1;
                    self.exec_block(&c.body);
                    self.dead -= 1;
                    self.guards.pop();
                }
            }
            self.pop_scope();
        }
        if let Some(f) = finally {
            if self.exec_block(f) == Reach::No {
                reach = Reach::No;
            }
        }
        if reach == Reach::Maybe {
            self.exit_why = Some("the try block completes without an exception".into());
        }
        reach
    }

    pub(super) fn exec_switch(
        &mut self,
        s: &'p Stmt,
        subject: &'p Expr,
        arms: &'p [crate::analysis::apex::parser::WhenArm],
    ) -> Reach {
        let sv = self.eval(subject);
        let stext = self.src(subject);
        let mut matched_before = Tri::F;
        let mut results = Vec::new();
        for arm in arms {
            let (t, desc) = match &arm.values {
                WhenValues::Else => (tri_not(matched_before.clone()), "when else".to_string()),
                WhenValues::Type(ty, _) => (
                    Tri::U(format!("`{stext}` is a {}", ty.name)),
                    format!("when {}", ty.name),
                ),
                WhenValues::Values(vs) => {
                    let mut acc = Tri::F;
                    let mut names = Vec::new();
                    for v in vs {
                        names.push(self.src(v));
                        let vv = match &v.kind {
                            ExprKind::Name(n) if self.lookup_local(n).is_none() => {
                                Val::Enum(n.clone())
                            }
                            _ => self.eval(v),
                        };
                        let t = match scalar_eq(&sv, &vv) {
                            Some(true) => Tri::T,
                            Some(false) => Tri::F,
                            None => Tri::U(join_why(&val_why(&sv), &val_why(&vv))),
                        };
                        acc = match (acc, t) {
                            (Tri::T, _) | (_, Tri::T) => Tri::T,
                            (Tri::U(a), _) | (_, Tri::U(a)) => Tri::U(a),
                            _ => Tri::F,
                        };
                    }
                    let t = match (&matched_before, acc) {
                        (Tri::T, _) => Tri::F,
                        (_, a) => a,
                    };
                    (t, format!("when {}", names.join(", ")))
                }
            };
            let cond = format!("switch on {stext} {desc}");
            let why = match &sv {
                Val::Enum(e) => format!("`{stext}` is {e} for this {}", self.event.label()),
                Val::Text(t) => format!("`{stext}` is '{t}'"),
                other => val_why(other),
            };
            let body_stmt_line = arm.line;
            match t.clone() {
                Tri::T => {
                    self.push_guard(body_stmt_line, cond, true, GuardValue::True, why);
                    results.push(self.exec_block(&arm.body));
                    self.guards.pop();
                }
                Tri::F => {
                    self.push_guard(body_stmt_line, cond, true, GuardValue::False, why);
                    self.dead += 1;
                    self.exec_block(&arm.body);
                    self.dead -= 1;
                    self.guards.pop();
                }
                Tri::U(w) => {
                    self.push_guard(
                        body_stmt_line,
                        cond,
                        true,
                        GuardValue::Unknown,
                        join_why(&w, &why),
                    );
                    let r = self.exec_block(&arm.body);
                    results.push(if r == Reach::No { Reach::Maybe } else { r });
                    self.guards.pop();
                }
            }
            matched_before = match (matched_before, t) {
                (Tri::T, _) | (_, Tri::T) => Tri::T,
                (Tri::U(a), _) | (_, Tri::U(a)) => Tri::U(a),
                _ => Tri::F,
            };
        }
        let _ = s;
        if results.iter().all(|r| *r == Reach::No)
            && !results.is_empty()
            && matched_before == Tri::T
        {
            Reach::No
        } else if results.iter().any(|r| *r != Reach::Yes) {
            self.exit_why = Some(format!(
                "the `switch on {stext}` branch taken does not return"
            ));
            Reach::Maybe
        } else {
            Reach::Yes
        }
    }

    // ----- conditions --------------------------------------------------------------------------

    /// Evaluate a condition: the three-valued result and the facts that decided it.
    pub(super) fn cond(&mut self, e: &'p Expr) -> (Tri, String) {
        let base = self.facts.len();
        let v = self.eval(e);
        let facts: Vec<String> = self.facts.drain(base.min(self.facts.len())..).collect();
        let mut t = truthy(&v);
        if let Tri::U(w) = &t {
            if w.is_empty() {
                t = Tri::U(format!(
                    "the value of `{}` is not known before the insert",
                    self.src(e)
                ));
            }
        }
        (t, facts.join("; "))
    }

    pub(super) fn bool_val(t: Tri) -> Val {
        match t {
            Tri::T => Val::Bool(true),
            Tri::F => Val::Bool(false),
            Tri::U(w) => Val::Unknown(w),
        }
    }
}
