//! Expressions: names, fields of records and statics, null dereferences, operators, assignment,
//! single-row queries.

use super::*;

impl<'p, 'a> Interp<'p, 'a> {
    // ----- expressions -------------------------------------------------------------------------

    pub(super) fn eval(&mut self, e: &'p Expr) -> Val {
        if self.nest >= MAX_NEST {
            self.budget_hit = true;
            return Val::Unknown("code nested too deeply to follow".into());
        }
        self.nest += 1;
        let v = self.eval_inner(e);
        self.nest -= 1;
        v
    }

    pub(super) fn eval_inner(&mut self, e: &'p Expr) -> Val {
        self.steps += 1;
        if self.steps > STEP_BUDGET {
            self.budget_hit = true;
            return Val::Unknown("analysis budget exhausted".into());
        }
        if self.dead > 0 {
            self.scan_dead(e);
            return Val::Unknown(String::new());
        }
        match &e.kind {
            ExprKind::Null => Val::Null(NullWhy::Plain("null".into())),
            ExprKind::Bool(b) => Val::Bool(*b),
            ExprKind::Num(n) => Val::Num(*n),
            ExprKind::Str(s) => Val::Text(s.clone()),
            ExprKind::Name(n) => self.eval_name(n),
            ExprKind::This => match self.frames.last().and_then(|f| f.this) {
                Some(o) => Val::Obj(o),
                None => Val::Unknown("`this`".into()),
            },
            ExprKind::Super => match self.frames.last().and_then(|f| f.this) {
                Some(o) => Val::Obj(o),
                None => Val::Unknown("`super`".into()),
            },
            ExprKind::Field(b, f) => self.eval_field(e, b, f),
            ExprKind::Call(t, name, args) => self.eval_call(e, t.as_deref(), name, args),
            ExprKind::Index(b, i) => {
                let bv = self.eval(b);
                self.eval(i);
                match bv {
                    Val::RecordList => Val::Record,
                    Val::Rows(obj, _, _) if self.checked_nonempty(b, i) => Val::SObject(obj),
                    Val::Rows(obj, text, _) => {
                        self.row_of_maybe_empty_query(e, "indexes", &text);
                        Val::SObject(obj)
                    }
                    Val::Coll(true) => {
                        let note =
                            format!("`{}` indexes an empty list: ListException", self.src(e));
                        self.site(
                            e.line,
                            SiteKind::Index,
                            Risk::Blocks,
                            note,
                            Some("ListException"),
                        );
                        Val::Unknown(String::new())
                    }
                    Val::Null(w) => {
                        self.npe(&w, e);
                        Val::Unknown(String::new())
                    }
                    _ => Val::Unknown(format!("`{}`", self.src(e))),
                }
            }
            ExprKind::New(ty, args, init) => self.eval_new(e, ty, args, init),
            ExprKind::Unary(op, inner) => {
                let v = self.eval(inner);
                match *op {
                    "!" => Self::bool_val(tri_not(truthy(&v))),
                    "-" => match v {
                        Val::Num(n) => Val::Num(-n),
                        _ => Val::Unknown(format!("`{}`", self.src(e))),
                    },
                    "++" | "--" => {
                        let nv = match v {
                            Val::Num(n) => Val::Num(if *op == "++" { n + 1.0 } else { n - 1.0 }),
                            _ => Val::Unknown(format!("`{}`", self.src(inner))),
                        };
                        self.store(inner, nv.clone());
                        nv
                    }
                    _ => v,
                }
            }
            ExprKind::Postfix(op, inner) => {
                let v = self.eval(inner);
                let nv = match &v {
                    Val::Num(n) => Val::Num(if *op == "++" { n + 1.0 } else { n - 1.0 }),
                    _ => Val::Unknown(format!("`{}`", self.src(inner))),
                };
                self.store(inner, nv);
                v
            }
            ExprKind::Binary(op, l, r) => self.eval_binary(e, op, l, r),
            ExprKind::Chain(operands, ops) => {
                let mut it = operands.iter();
                let mut acc = match it.next() {
                    Some(first) => self.eval(first),
                    None => return Val::Unknown(String::new()),
                };
                for (op, x) in ops.iter().zip(it) {
                    let rv = self.eval(x);
                    acc = self.arith(e, op, acc, rv);
                }
                acc
            }
            ExprKind::Assign(op, l, r) => {
                let rv = self.eval(r);
                self.single_row_assign(l, r);
                let nv = if *op == "=" {
                    rv
                } else {
                    let lv = self.eval(l);
                    match (&lv, &rv, *op) {
                        (Val::Num(a), Val::Num(b), "+=") => Val::Num(a + b),
                        (Val::Num(a), Val::Num(b), "-=") => Val::Num(a - b),
                        (Val::Text(a), Val::Text(b), "+=") => Val::Text(format!("{a}{b}")),
                        _ => Val::Unknown(format!("`{}`", self.src(l))),
                    }
                };
                self.store(l, nv.clone());
                nv
            }
            ExprKind::Ternary(c, a, b) => {
                let (t, facts) = self.cond(c);
                let ctext = self.src(c);
                match t {
                    Tri::T => self.eval(a),
                    Tri::F => self.eval(b),
                    Tri::U(w) => {
                        let why = join_why(&w, &facts);
                        self.push_guard(
                            e.line,
                            ctext.clone(),
                            true,
                            GuardValue::Unknown,
                            why.clone(),
                        );
                        let av = self.eval(a);
                        self.guards.pop();
                        self.push_guard(e.line, ctext, false, GuardValue::Unknown, why.clone());
                        let bv = self.eval(b);
                        self.guards.pop();
                        if av == bv {
                            av
                        } else {
                            Val::Unknown(why)
                        }
                    }
                }
            }
            ExprKind::Cast(_, inner) => self.eval(inner),
            ExprKind::InstanceOf(inner, ty) => {
                let v = self.eval(inner);
                match v {
                    Val::Record | Val::RecordList
                        if ty.is("MessagingSession") || ty.is("SObject") =>
                    {
                        Val::Bool(true)
                    }
                    Val::Null(_) => Val::Bool(false),
                    _ => Val::Unknown(format!("`{}`", self.src(e))),
                }
            }
            ExprKind::Query { text, sosl } => {
                if *sosl {
                    self.site(
                        e.line,
                        SiteKind::Query,
                        Risk::Harmless,
                        "SOSL search (returns lists; does not throw for no rows)".into(),
                        None,
                    );
                    return Val::Unknown(format!("the SOSL results at line {}", e.line));
                }
                let obj = query_object(text);
                let lower = text.to_ascii_lowercase();
                if lower.contains("security_enforced") || lower.contains("user_mode") {
                    let mode = if lower.contains("security_enforced") {
                        "WITH SECURITY_ENFORCED"
                    } else {
                        "WITH USER_MODE"
                    };
                    let note = format!(
                        "a query {mode} runs with the Automated Process user's permissions and throws a QueryException if it cannot read {obj} or a queried field: {}",
                        clip(text, 120)
                    );
                    self.may_throw(e.line, SiteKind::Security, note, Some("QueryException"));
                } else {
                    self.site(
                        e.line,
                        SiteKind::Query,
                        Risk::Harmless,
                        format!("query on {obj} (returns a list; no rows is not an error)"),
                        None,
                    );
                }
                Val::Rows(obj, text.clone(), e.line)
            }
            ExprKind::Unknown => Val::Unknown(String::new()),
        }
    }

    /// In dead code: list addError calls (and nothing else) as not reached.
    pub(super) fn scan_dead(&mut self, e: &'p Expr) {
        match &e.kind {
            ExprKind::Call(t, name, args) => {
                if name.eq_ignore_ascii_case("adderror") {
                    let note = format!("`{}` would fail the insert", self.src(e));
                    self.site(e.line, SiteKind::AddError, Risk::Blocks, note, None);
                }
                if let Some(t) = t {
                    self.scan_dead(t);
                }
                for a in args {
                    self.scan_dead(a);
                }
            }
            ExprKind::Field(b, _)
            | ExprKind::Unary(_, b)
            | ExprKind::Postfix(_, b)
            | ExprKind::Cast(_, b) => self.scan_dead(b),
            ExprKind::Binary(_, a, b) | ExprKind::Assign(_, a, b) | ExprKind::Index(a, b) => {
                self.scan_dead(a);
                self.scan_dead(b);
            }
            ExprKind::Chain(operands, _) => {
                for x in operands {
                    self.scan_dead(x);
                }
            }
            ExprKind::Ternary(a, b, c) => {
                self.scan_dead(a);
                self.scan_dead(b);
                self.scan_dead(c);
            }
            _ => {}
        }
    }

    pub(super) fn eval_name(&mut self, n: &str) -> Val {
        if let Some(l) = self.lookup_local(n) {
            return l.val.clone();
        }
        if n.eq_ignore_ascii_case("trigger") {
            return Val::Type("Trigger".into());
        }
        if let Some(o) = self.frames.last().and_then(|f| f.this) {
            if let Some(v) = self.instance_getter(o, n) {
                return v;
            }
            if let Some(v) = self
                .objects
                .get(o)
                .and_then(|s| s.fields.get(&n.to_ascii_lowercase()))
            {
                let v = v.clone();
                self.fact_val(&format!("`{n}`"), &v);
                return v;
            }
        }
        if let Some(k) = self.static_field_owner(n) {
            return self.static_value(k, n);
        }
        let ctx = self.frames.last().and_then(|f| f.class);
        if let Some(ci) = self.prog.find_in_context(n, ctx) {
            return Val::Type(
                self.prog
                    .classes
                    .get(ci)
                    .map(|c| c.full.clone())
                    .unwrap_or_default(),
            );
        }
        if is_all_caps(n) {
            return Val::Enum(n.to_string());
        }
        Val::Type(n.to_string())
    }

    /// A row taken from a query result that may be empty (`how`: "indexes", "takes a row
    /// from"): a possible ListException at `e`, naming the query.
    pub(super) fn row_of_maybe_empty_query(&mut self, e: &Expr, how: &str, query: &str) {
        let note = format!(
            "`{}` {how} a query result that may be empty ({}): ListException when no row matches",
            self.src(e),
            clip(query, 120)
        );
        self.may_throw(e.line, SiteKind::Index, note, Some("ListException"));
    }

    /// The class declaring static field `n` as seen from the running code: its class chain,
    /// then its outer classes' chains (at most 16 hops, against a malformed nesting).
    fn static_field_owner(&self, n: &str) -> Option<usize> {
        let mut c = self.frames.last().and_then(|f| f.class);
        for _ in 0..16 {
            let ci = c?;
            let (chain, _) = self.prog.chain(ci);
            if let Some(k) = chain.into_iter().find(|&k| self.has_field(k, n)) {
                return Some(k);
            }
            c = self.prog.classes.get(ci).and_then(|i| i.outer);
        }
        None
    }

    pub(super) fn has_field(&self, ci: usize, n: &str) -> bool {
        self.prog
            .classes
            .get(ci)
            .is_some_and(|c| c.decl.fields.iter().any(|f| f.name.eq_ignore_ascii_case(n)))
    }

    pub(super) fn static_value(&mut self, ci: usize, n: &str) -> Val {
        let Some(info) = self.prog.classes.get(ci) else {
            return Val::Unknown(String::new());
        };
        let key = format!("{}.{}", info.full, n).to_ascii_lowercase();
        if !self.statics_inited.contains(&ci) {
            self.statics_inited.insert(ci);
            self.init_statics(ci);
        }
        if let Some(v) = self.statics.get(&key) {
            let v = v.clone();
            match &v {
                Val::Bool(b) => self.fact(format!(
                    "static `{}.{n}` starts as {b} in each transaction (nothing on this path changes it)",
                    info.simple
                )),
                Val::Coll(true) => self.fact(format!(
                    "static `{}.{n}` starts empty in each transaction (nothing on this path fills it)",
                    info.simple
                )),
                _ => {}
            }
            return v;
        }
        let field = info
            .decl
            .fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(n));
        // Reading a property runs its `get` accessor. Inside it, the name is the backing
        // field, which holds nothing until the accessor (or a setter) stores a value in this
        // transaction: the lazy cache `if (x == null) x = [query]; return x;` fills it.
        if let Some(getter) = field.and_then(|f| f.getter.as_deref()) {
            if self.getting.contains(&key) {
                return Val::Null(NullWhy::Plain(format!(
                    "`{}.{n}` holds nothing yet in this transaction",
                    info.simple
                )));
            }
            return self.run_getter(ci, None, key, &format!("{}.{n}", info.simple), getter);
        }
        let prop = field.is_some_and(|f| f.is_property);
        Val::Unknown(format!(
            "`{}.{n}` is a static {} with no initial value: code that runs earlier sets it, so its value is unknown",
            info.simple,
            if prop { "property" } else { "flag" }
        ))
    }

    /// Reading instance property `n` of object `o` runs its `get` accessor (with `o` as `this`);
    /// inside that accessor the name is the backing field. `None` when `n` has no getter.
    pub(super) fn instance_getter(&mut self, o: usize, n: &str) -> Option<Val> {
        let prog = self.prog;
        let ci = self.objects.get(o)?.class;
        let key = format!("#{o}.{}", n.to_ascii_lowercase());
        if self.getting.contains(&key) {
            return None;
        }
        let (chain, _) = prog.chain(ci);
        let (k, getter) = chain.into_iter().find_map(|k| {
            prog.classes.get(k).and_then(|c| {
                c.decl
                    .fields
                    .iter()
                    .find(|f| !f.is_static && f.name.eq_ignore_ascii_case(n))
                    .and_then(|f| f.getter.as_deref())
                    .map(|g| (k, g))
            })
        })?;
        let label = format!(
            "{}.{n}",
            prog.classes.get(k).map(|c| c.simple.as_str()).unwrap_or("")
        );
        Some(self.run_getter(k, Some(o), key, &label, getter))
    }

    /// Run a static property's `get` accessor: its value is what the accessor returns.
    fn run_getter(
        &mut self,
        ci: usize,
        this: Option<usize>,
        key: String,
        label: &str,
        body: &'p [Stmt],
    ) -> Val {
        let Some(info) = self.prog.classes.get(ci) else {
            return Val::Unknown(String::new());
        };
        if info.hidden {
            return Val::Unknown(format!("`{label}`, whose code is hidden"));
        }
        if self.call_stack.len() >= MAX_CALL_DEPTH {
            self.add_unseen(format!(
                "the property {label} and what it calls (more than {MAX_CALL_DEPTH} calls deep)"
            ));
            return Val::Unknown(format!("the value of the property {label}"));
        }
        self.getting.insert(key.clone());
        self.frames
            .push(Frame::enter(info.unit, Some(ci), this, self.guards.len()));
        self.exec_block(body);
        let returns = self.frames.pop().map(|f| f.returns).unwrap_or_default();
        self.getting.remove(&key);
        match returns.split_first() {
            Some((first, rest)) if rest.iter().all(|r| r == first) => first.clone(),
            Some(_) => Val::Unknown(format!(
                "the value of the property {label}, which depends on conditions inside its getter"
            )),
            None => Val::Unknown(format!("the value of the property {label}")),
        }
    }

    pub(super) fn init_statics(&mut self, ci: usize) {
        let prog = self.prog;
        let Some(info) = prog.classes.get(ci) else {
            return;
        };
        self.frames
            .push(Frame::enter(info.unit, Some(ci), None, self.guards.len()));
        for f in info
            .decl
            .fields
            .iter()
            .filter(|f| f.is_static && !f.is_property)
        {
            if let Some(init) = &f.init {
                let v = self.eval(init);
                let key = format!("{}.{}", info.full, f.name).to_ascii_lowercase();
                self.statics.insert(key, v);
            }
        }
        self.exec_block(&info.decl.static_init);
        self.frames.pop();
    }

    pub(super) fn trigger_var(&mut self, f: &str) -> Val {
        let ev = self.event;
        let l = f.to_ascii_lowercase();
        let v = match l.as_str() {
            "new" => Val::RecordList,
            "old" | "oldmap" => Val::Null(NullWhy::Definite(format!(
                "`Trigger.{f}` is null on insert"
            ))),
            "newmap" if ev.before() => Val::Null(NullWhy::Definite(
                "`Trigger.newMap` is null in before insert (the record has no Id yet)".into(),
            )),
            "newmap" => Val::RecordMap,
            "isinsert" | "isexecuting" => Val::Bool(true),
            "isupdate" | "isdelete" | "isundelete" => Val::Bool(false),
            "isbefore" => Val::Bool(ev.before()),
            "isafter" => Val::Bool(!ev.before()),
            "size" => Val::Num(1.0),
            "operationtype" => Val::Enum(ev.op().into()),
            _ => return Val::Unknown(format!("`Trigger.{f}`")),
        };
        match &v {
            Val::Bool(b) => self.fact(format!("Trigger.{f} is {b} in {}", ev.label())),
            Val::Enum(op) => self.fact(format!("Trigger.operationType is {op}")),
            _ => {}
        }
        v
    }

    pub(super) fn record_field(&mut self, f: &str, text: &str) -> Val {
        if let Some(v) = self.overlay.get(&f.to_ascii_lowercase()) {
            let v = v.clone();
            self.fact(format!("`{f}` was assigned earlier in the trigger"));
            return v;
        }
        if f.eq_ignore_ascii_case("id") {
            return if self.event.before() {
                self.fact("the record has no Id in before insert".into());
                Val::Null(NullWhy::Definite(
                    "the record has no Id before insert".into(),
                ))
            } else {
                Val::Unknown("the new record's Id".into())
            };
        }
        match self.record.field(f) {
            Some(FieldValue::Known(k)) => {
                let v = match k {
                    Known::Null => Val::Null(NullWhy::Definite(format!("`{f}` is null at insert"))),
                    Known::Bool(b) => Val::Bool(*b),
                    Known::Number(n) => Val::Num(*n),
                    Known::Text(t) => Val::Text(t.clone()),
                };
                let shown = match &v {
                    Val::Text(t) => format!("'{t}'"),
                    Val::Bool(b) => b.to_string(),
                    Val::Num(n) => n.to_string(),
                    _ => "null".into(),
                };
                self.fact(format!(
                    "{f} is {shown} when the platform creates the record"
                ));
                v
            }
            Some(FieldValue::Unknown(why)) => Val::Unknown(format!("`{text}`: {why}")),
            // `Owner`, `MessagingEndUser`, `Parent__r`: the relationship of a lookup the model
            // knows. Parents are not loaded on trigger records.
            None if self.is_relationship(f) => {
                self.fact(format!("`{text}` is null on a trigger record"));
                Val::Null(NullWhy::Definite(format!(
                    "relationship fields are not loaded on trigger records, so `{text}` is null"
                )))
            }
            None if self.record.unset_fields_are_null => {
                self.fact(format!(
                    "{f} is not set by the platform at insert, so it is null"
                ));
                Val::Null(NullWhy::UnsetField(f.to_string()))
            }
            None => Val::Unknown(format!("`{text}` is not in the record model")),
        }
    }

    /// `f` names the relationship of a lookup field of the inserted record.
    pub(super) fn is_relationship(&self, f: &str) -> bool {
        let id_field = match f.strip_suffix("__r").or_else(|| f.strip_suffix("__R")) {
            Some(stem) => format!("{stem}__c"),
            None => format!("{f}Id"),
        };
        self.record.field(&id_field).is_some()
    }

    pub(super) fn eval_field(&mut self, e: &'p Expr, b: &'p Expr, f: &str) -> Val {
        // Relationship traversal on a trigger record: `s.Owner.Name` — parents are not loaded,
        // so `s.Owner` is null and reading through it is null too (no exception on a read).
        if let ExprKind::Field(bb, rel) = &b.kind {
            if !f.eq_ignore_ascii_case("class") && self.peek_record(bb) {
                let why = format!(
                    "relationship fields are not loaded on trigger records, so `{}` is null and `{}` reads as null",
                    self.src(b),
                    self.src(e)
                );
                self.fact(format!("`{}` is null on a trigger record", self.src(b)));
                let _ = rel;
                return Val::Null(NullWhy::Related { why, maybe: false });
            }
        }
        // Relationship traversal on another record (`endUser.Contact.MailingCountry`): the
        // related record is null when the lookup is empty.
        if let ExprKind::Field(bb, rel) = &b.kind {
            let nested_record =
                matches!(&bb.kind, ExprKind::Field(bbb, _) if self.peek_record(bbb));
            if !f.eq_ignore_ascii_case("class") && !nested_record && lookup_may_be_empty(rel) {
                let base = self.eval(bb);
                if let (Val::SObject(obj), false) = (&base, self.checked_not_null(b)) {
                    // Null-safe on the read; whatever dereferences the value later throws.
                    let why = format!(
                        "the lookup `{rel}` of a {obj} record is empty (no related record), so `{}` reads as null",
                        self.src(e)
                    );
                    return Val::Null(NullWhy::Related { why, maybe: true });
                }
                let bv = self.field_of(b, rel, base);
                return self.field_of(e, f, bv);
            }
        }
        let bv = self.eval(b);
        self.field_of(e, f, bv)
    }

    /// Field `f` of the value `bv` (the evaluated base of `e`).
    pub(super) fn field_of(&mut self, e: &'p Expr, f: &str, bv: Val) -> Val {
        if f.eq_ignore_ascii_case("class") {
            return match bv {
                Val::Type(t) => Val::Type(t),
                other => other,
            };
        }
        match bv {
            Val::Type(t) if t.eq_ignore_ascii_case("Trigger") => self.trigger_var(f),
            Val::Type(t) => self.static_field(&t, f, e),
            Val::Record => {
                let text = self.src(e);
                self.record_field(f, &text)
            }
            // `a.Rel.Field` with `a.Rel` null reads as null; a field of a null variable throws.
            Val::Null(w @ NullWhy::Related { .. })
                if matches!(&e.kind, ExprKind::Field(b, _) if matches!(b.kind, ExprKind::Field(..))) =>
            {
                Val::Null(w)
            }
            Val::Null(w) => {
                self.npe(&w, e);
                Val::Unknown(String::new())
            }
            Val::Obj(o) => {
                let key = f.to_ascii_lowercase();
                if let Some(v) = self.instance_getter(o, f) {
                    return v;
                }
                if let Some(v) = self.objects.get(o).and_then(|s| s.fields.get(&key)) {
                    let v = v.clone();
                    let what = format!("`{}`", self.src(e));
                    self.fact_val(&what, &v);
                    return v;
                }
                let cls = self.objects.get(o).map(|s| s.class);
                if let Some(ci) = cls {
                    let (chain, _) = self.prog.chain(ci);
                    for k in chain {
                        if self.has_field(k, f) {
                            return self.static_value(k, f);
                        }
                    }
                }
                Val::Unknown(format!("`{}`", self.src(e)))
            }
            Val::Rows(obj, text, _) if self.own_lookup_row(&text).is_some() => {
                let why = self.own_lookup_row(&text).unwrap_or_default();
                self.site(e.line, SiteKind::Query, Risk::Harmless, why, None);
                Val::Unknown(format!(
                    "`{}` (a field of the {obj} the record points to)",
                    self.src(e)
                ))
            }
            Val::Rows(obj, text, _) => {
                let note = format!(
                    "`{}` reads a field straight off a query, which must return exactly one row ({}): QueryException when none matches",
                    self.src(e),
                    clip(&text, 120)
                );
                self.may_throw(e.line, SiteKind::Query, note, Some("QueryException"));
                Val::Unknown(format!(
                    "a field of the {obj} found by the query at line {}",
                    e.line
                ))
            }
            // A hierarchy custom setting's record exists (getInstance/getOrgDefaults return an
            // empty one when nothing is defined) but each field is null until someone sets it.
            Val::SObject(obj)
                if self.settings.contains(&obj.to_ascii_lowercase())
                    && !f.eq_ignore_ascii_case("id") =>
            {
                Val::Null(NullWhy::When(format!(
                    "the custom setting {obj} has no value for {f} (no organisation, profile or user value sets it)"
                )))
            }
            Val::SObject(obj) => {
                Val::Unknown(format!("`{}` (a field of a {obj} record)", self.src(e)))
            }
            Val::Exception(_) => Val::Unknown(String::new()),
            other => {
                let w = val_why(&other);
                Val::Unknown(if w.is_empty() {
                    format!("`{}`", self.src(e))
                } else {
                    w
                })
            }
        }
    }

    /// Does `e` evaluate to the inserted record? (Without recording anything.)
    pub(super) fn peek_record(&mut self, e: &'p Expr) -> bool {
        match &e.kind {
            ExprKind::Name(n) => {
                matches!(self.lookup_local(n).map(|l| &l.val), Some(Val::Record))
                    || self
                        .frames
                        .last()
                        .and_then(|f| f.this)
                        .and_then(|o| self.objects.get(o))
                        .and_then(|s| s.fields.get(&n.to_ascii_lowercase()))
                        .is_some_and(|v| *v == Val::Record)
            }
            ExprKind::Index(b, _) => matches!(&b.kind, ExprKind::Field(t, n)
                if matches!(&t.kind, ExprKind::Name(tn) if tn.eq_ignore_ascii_case("trigger"))
                    && n.eq_ignore_ascii_case("new")),
            ExprKind::Cast(_, inner) => self.peek_record(inner),
            _ => false,
        }
    }

    pub(super) fn static_field(&mut self, t: &str, f: &str, e: &'p Expr) -> Val {
        let ctx = self.frames.last().and_then(|fr| fr.class);
        if let Some(ci) = self.prog.find_in_context(t, ctx) {
            // Inner class or enum of a provided class?
            let full = self
                .prog
                .classes
                .get(ci)
                .map(|c| c.full.clone())
                .unwrap_or_default();
            if let Some(inner) = self.prog.find_class(&format!("{full}.{f}")) {
                let _ = inner;
                return Val::Type(format!("{full}.{f}"));
            }
            let is_enum = self
                .prog
                .classes
                .get(ci)
                .is_some_and(|c| c.decl.enums.iter().any(|(n, _)| n.eq_ignore_ascii_case(f)));
            if is_enum {
                return Val::Type(format!("{full}.{f}"));
            }
            let (chain, _) = self.prog.chain(ci);
            for k in chain {
                if self.has_field(k, f) {
                    return self.static_value(k, f);
                }
            }
            // An enum type's constant (`TriggerContext.BEFORE_INSERT`).
            return Val::Enum(f.to_string());
        }
        if t.eq_ignore_ascii_case("TriggerOperation") || is_all_caps(f) {
            return Val::Enum(f.to_string());
        }
        // A constant of an enum declared in a provided class (`Outer.Action.BeforeInsert`).
        if let Some((outer, en)) = t.rsplit_once('.') {
            let declared = self
                .prog
                .find_in_context(outer, ctx)
                .and_then(|ci| self.prog.classes.get(ci))
                .is_some_and(|c| c.decl.enums.iter().any(|(n, _)| n.eq_ignore_ascii_case(en)));
            if declared {
                return Val::Enum(f.to_string());
            }
        }
        if t.eq_ignore_ascii_case("System") && f.eq_ignore_ascii_case("Trigger") {
            return Val::Type("Trigger".into());
        }
        // `Case.sObjectType`, `Schema.MessagingSession.SObjectType`: the object's token, equal
        // only to the same object's token (how handler factories pick a handler).
        if f.eq_ignore_ascii_case("sobjecttype") && is_sobject_type(t) {
            return sobject_token(t);
        }
        let tl = t.to_ascii_lowercase();
        if tl == "label" || tl == "system.label" {
            return Val::Unknown(format!(
                "the custom label `{}` (its text is set in the org)",
                self.src(e)
            ));
        }
        if is_system_class(t) || f.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
            return Val::Type(format!("{t}.{f}"));
        }
        Val::Unknown(format!(
            "`{t}.{f}` is a static value of class {t}, which was not provided: its value at run time is unknown"
        ))
    }

    pub(super) fn npe(&mut self, w: &NullWhy, e: &'p Expr) {
        let text = self.src(e);
        match w {
            NullWhy::UnsetField(f) => {
                let note = format!(
                    "`{f}` is not set when the platform creates the record, so `{text}` dereferences null: NullPointerException (unless a default value or earlier automation fills {f})"
                );
                self.may_throw(
                    e.line,
                    SiteKind::NullDereference,
                    note,
                    Some("NullPointerException"),
                );
            }
            NullWhy::Related { .. } | NullWhy::When(_) => {
                if self.null_checked(e) {
                    return;
                }
                let why = w.why();
                let (risk, note) = if w.certain() {
                    let note = format!("`{text}` dereferences null ({why}): NullPointerException");
                    (Risk::Blocks, note)
                } else {
                    let note =
                        format!("`{text}` dereferences null when {why}: NullPointerException");
                    (Risk::May(note.clone()), note)
                };
                self.site(
                    e.line,
                    SiteKind::NullDereference,
                    risk,
                    note,
                    Some("NullPointerException"),
                );
            }
            NullWhy::Definite(why) | NullWhy::Plain(why) => {
                let note = format!("`{text}` dereferences null ({why}): NullPointerException");
                self.site(
                    e.line,
                    SiteKind::NullDereference,
                    Risk::Blocks,
                    note,
                    Some("NullPointerException"),
                );
            }
        }
    }

    /// The dereferenced value in `e` is checked against null on the current path, or `e` uses
    /// safe navigation (`x?.m()`), so the dereference cannot throw.
    pub(super) fn null_checked(&self, e: &Expr) -> bool {
        let base = match &e.kind {
            ExprKind::Call(Some(b), _, _) | ExprKind::Field(b, _) | ExprKind::Index(b, _) => b,
            _ => return false,
        };
        let text = self.src(e);
        let btext = self.src(base);
        let safe_nav = text
            .strip_prefix(btext.as_str())
            .is_some_and(|rest| rest.trim_start().starts_with("?."));
        safe_nav || self.checked_not_null(base)
    }

    pub(super) fn eval_binary(&mut self, e: &'p Expr, op: &str, l: &'p Expr, r: &'p Expr) -> Val {
        match op {
            "&&" | "||" => {
                // The left value that settles the result without the right side:
                // false for &&, true for ||.
                let decisive = op == "||";
                let settles = |t: &Tri| matches!((t, decisive), (Tri::T, true) | (Tri::F, false));
                let (lt, lf) = self.cond(l);
                self.facts
                    .extend(lf.split("; ").filter(|s| !s.is_empty()).map(str::to_string));
                match lt {
                    Tri::U(w) => {
                        let lc = self.src(l);
                        self.push_guard(e.line, lc, !decisive, GuardValue::Unknown, w.clone());
                        let rv = self.eval(r);
                        self.guards.pop();
                        match truthy(&rv) {
                            t if settles(&t) => Val::Bool(decisive),
                            Tri::U(w2) => Val::Unknown(join_why(&w, &w2)),
                            _ => Val::Unknown(w),
                        }
                    }
                    t if settles(&t) => Val::Bool(decisive),
                    _ => {
                        let rv = self.eval(r);
                        Self::bool_val(truthy(&rv))
                    }
                }
            }
            _ => {
                let lv = self.eval(l);
                let rv = self.eval(r);
                self.arith(e, op, lv, rv)
            }
        }
    }

    /// A non-short-circuit binary operator on two evaluated operands (`e` is the whole
    /// expression, named when the result is unknown).
    pub(super) fn arith(&mut self, e: &'p Expr, op: &str, lv: Val, rv: Val) -> Val {
        let unknown = || {
            let w = join_why(&val_why(&lv), &val_why(&rv));
            Val::Unknown(w)
        };
        match op {
            // Boolean `&`, `|`, `^` evaluate both sides (no short circuit); a false side
            // settles `&`, a true side settles `|`.
            "&" | "|" | "^" if matches!(lv, Val::Bool(_)) || matches!(rv, Val::Bool(_)) => {
                match (op, truthy(&lv), truthy(&rv)) {
                    ("&", Tri::F, _) | ("&", _, Tri::F) => Val::Bool(false),
                    ("|", Tri::T, _) | ("|", _, Tri::T) => Val::Bool(true),
                    ("&", Tri::T, Tri::T) => Val::Bool(true),
                    ("|", Tri::F, Tri::F) => Val::Bool(false),
                    ("^", a @ (Tri::T | Tri::F), b @ (Tri::T | Tri::F)) => Val::Bool(a != b),
                    _ => unknown(),
                }
            }
            "==" | "===" | "!=" | "!==" | "<>" => {
                let neg = op != "==" && op != "===";
                match scalar_eq(&lv, &rv) {
                    Some(b) => Val::Bool(b != neg),
                    None => {
                        // Identity of the record/list vs null.
                        match (&lv, &rv) {
                            (
                                Val::Record | Val::RecordList | Val::RecordMap | Val::Obj(_),
                                Val::Null(_),
                            )
                            | (
                                Val::Null(_),
                                Val::Record | Val::RecordList | Val::RecordMap | Val::Obj(_),
                            ) => Val::Bool(neg),
                            _ => {
                                let u = unknown();
                                if val_why(&u).is_empty() {
                                    Val::Unknown(format!(
                                        "the value of `{}` is not known before the insert",
                                        self.src(e)
                                    ))
                                } else {
                                    u
                                }
                            }
                        }
                    }
                }
            }
            "<" | ">" | "<=" | ">=" => match (&lv, &rv) {
                (Val::Num(a), Val::Num(b)) => Val::Bool(match op {
                    "<" => a < b,
                    ">" => a > b,
                    "<=" => a <= b,
                    _ => a >= b,
                }),
                _ => unknown(),
            },
            "+" => match (&lv, &rv) {
                (Val::Num(a), Val::Num(b)) => Val::Num(a + b),
                // Text grows with every operand of a concatenation: past a bound its content
                // no longer decides anything and copying it would make long chains quadratic.
                (Val::Text(a), _) | (_, Val::Text(a)) if a.len() > MAX_TEXT => {
                    Val::Unknown(format!("`{}`", clip(&self.src(e), 80)))
                }
                (Val::Text(a), Val::Text(b)) => Val::Text(format!("{a}{b}")),
                (Val::Text(a), Val::Num(b)) => Val::Text(format!("{a}{b}")),
                (Val::Num(a), Val::Text(b)) => Val::Text(format!("{a}{b}")),
                _ => Val::Unknown(format!("`{}`", self.src(e))),
            },
            "-" | "*" | "/" => match (&lv, &rv) {
                (Val::Num(a), Val::Num(b)) => Val::Num(match op {
                    "-" => a - b,
                    "*" => a * b,
                    _ => {
                        if *b == 0.0 {
                            return Val::Unknown(String::new());
                        }
                        a / b
                    }
                }),
                _ => Val::Unknown(format!("`{}`", self.src(e))),
            },
            "??" => match lv {
                Val::Null(_) => rv,
                Val::Unknown(_) => unknown(),
                other => other,
            },
            _ => Val::Unknown(format!("`{}`", self.src(e))),
        }
    }

    /// Store into an lvalue.
    pub(super) fn store(&mut self, target: &'p Expr, v: Val) {
        if self.dead > 0 {
            return;
        }
        let local_uncertain = self.uncertain_since(self.frame_base());
        let global_uncertain = self.uncertain_since(0);
        let tsrc = self.src(target);
        let line = target.line;
        // What the assignment depends on, named (the loop over query rows, the filter).
        let local_when = if local_uncertain {
            self.path_conditions(self.frame_base())
        } else {
            String::new()
        };
        let global_when = if global_uncertain {
            self.path_conditions(0)
        } else {
            String::new()
        };
        let cond_val = |v: Val, uncertain: bool, when: &str| {
            if !uncertain {
                v
            } else if when.is_empty() {
                Val::Unknown(format!(
                    "`{tsrc}` is assigned at line {line} only on some paths"
                ))
            } else {
                match &v {
                    Val::Rows(obj, _, l) => Val::Unknown(format!(
                        "`{tsrc}` holds the {obj} records the query at line {l} finds only when {when}"
                    )),
                    _ => Val::Unknown(format!(
                        "`{tsrc}` is assigned at line {line} only when {when}"
                    )),
                }
            }
        };
        match &target.kind {
            ExprKind::Name(n) => {
                if let Some(l) = self.lookup_local_mut(n) {
                    l.val = cond_val(v, local_uncertain, &local_when);
                    return;
                }
                if let Some(o) = self.frames.last().and_then(|f| f.this) {
                    let key = n.to_ascii_lowercase();
                    let is_instance_field = self
                        .objects
                        .get(o)
                        .is_some_and(|s| s.fields.contains_key(&key));
                    if is_instance_field {
                        if let Some(s) = self.objects.get_mut(o) {
                            s.fields
                                .insert(key, cond_val(v, global_uncertain, &global_when));
                        }
                        return;
                    }
                }
                if let Some(k) = self.static_field_owner(n) {
                    self.static_value(k, n);
                    if let Some(info) = self.prog.classes.get(k) {
                        let key = format!("{}.{}", info.full, n).to_ascii_lowercase();
                        self.statics
                            .insert(key, cond_val(v, global_uncertain, &global_when));
                    }
                }
            }
            ExprKind::Field(b, f) => {
                let bv = self.eval(b);
                match bv {
                    Val::Record => {
                        if self.event.before() {
                            self.overlay.insert(
                                f.to_ascii_lowercase(),
                                cond_val(v, global_uncertain, &global_when),
                            );
                        } else {
                            let note = format!(
                                "`{tsrc} = …` writes a field of a Trigger.new record in after insert, where the records are read-only: FinalException"
                            );
                            self.site(
                                line,
                                SiteKind::ReadOnlyWrite,
                                Risk::Blocks,
                                note,
                                Some("FinalException"),
                            );
                        }
                    }
                    Val::Obj(o) => {
                        let key = f.to_ascii_lowercase();
                        let is_inst = self
                            .objects
                            .get(o)
                            .is_some_and(|s| s.fields.contains_key(&key));
                        if is_inst {
                            if let Some(s) = self.objects.get_mut(o) {
                                s.fields
                                    .insert(key, cond_val(v, global_uncertain, &global_when));
                            }
                        } else if let Some(ci) = self.objects.get(o).map(|s| s.class) {
                            self.store_static(ci, f, cond_val(v, global_uncertain, &global_when));
                        }
                    }
                    Val::Type(t) => {
                        let ctx = self.frames.last().and_then(|fr| fr.class);
                        if let Some(ci) = self.prog.find_in_context(&t, ctx) {
                            self.store_static(ci, f, cond_val(v, global_uncertain, &global_when));
                        }
                    }
                    Val::Null(w) => self.npe(&w, target),
                    _ => {}
                }
            }
            _ => {}
        }
    }

    pub(super) fn store_static(&mut self, ci: usize, f: &str, v: Val) {
        let (chain, _) = self.prog.chain(ci);
        for k in chain {
            if self.has_field(k, f) {
                self.static_value(k, f);
                if let Some(info) = self.prog.classes.get(k) {
                    let key = format!("{}.{}", info.full, f).to_ascii_lowercase();
                    self.statics.insert(key, v);
                }
                return;
            }
        }
    }

    /// `Contact c = [SELECT … LIMIT 1];` — a query assigned to a single record.
    pub(super) fn single_row_check(&mut self, ty: &TypeRef, init: &'p Expr) {
        let mut e = init;
        while let ExprKind::Cast(_, inner) = &e.kind {
            e = inner;
        }
        let ExprKind::Query { text, sosl: false } = &e.kind else {
            return;
        };
        let l = ty.simple().to_ascii_lowercase();
        if ty.is_collection() || PRIMITIVES.contains(&l.as_str()) || l == "aggregateresult" {
            return;
        }
        let lower = text.to_ascii_lowercase();
        if ["count(", "sum(", "max(", "min(", "avg("]
            .iter()
            .any(|a| lower.contains(a))
        {
            return;
        }
        if let Some(why) = self.own_lookup_row(text) {
            self.site(e.line, SiteKind::Query, Risk::Harmless, why, None);
            return;
        }
        let note = format!(
            "a query that must return exactly one row: {} is assigned to a single {}, which throws a QueryException ('List has no rows for assignment to SObject') when nothing matches",
            clip(text, 140),
            ty.name
        );
        self.may_throw(e.line, SiteKind::Query, note, Some("QueryException"));
    }

    /// A query whose only filter is `Id = :rec.MessagingChannelId` / `:rec.MessagingEndUserId`
    /// on the inserted record: the platform sets both lookups to records it has just created or
    /// found for the conversation, and a query without `WITH USER_MODE`/`SECURITY_ENFORCED`
    /// outside a `with sharing` class runs in system mode (no permission or sharing rule hides
    /// the row), so the row is there. Returns why, for the evidence.
    pub(super) fn own_lookup_row(&self, text: &str) -> Option<String> {
        let squashed: String = text
            .to_ascii_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if squashed.contains("user_mode") || squashed.contains("security_enforced") {
            return None;
        }
        let with_sharing = self
            .frames
            .last()
            .and_then(|f| f.class)
            .and_then(|ci| self.prog.classes.get(ci))
            .is_some_and(|c| {
                c.decl
                    .sharing
                    .as_deref()
                    .is_some_and(|s| s.eq_ignore_ascii_case("with sharing"))
            });
        if with_sharing {
            return None;
        }
        let (_, filter) = squashed.split_once(" where ")?;
        let filter = filter
            .trim_end_matches(']')
            .trim()
            .trim_end_matches("limit 1")
            .trim();
        let bind = filter
            .strip_prefix("id = :")
            .or_else(|| filter.strip_prefix("id =:"))
            .or_else(|| filter.strip_prefix("id=:"))
            .or_else(|| filter.strip_prefix("id= :"))?
            .trim();
        let (var, field) = bind.split_once('.')?;
        let field = match field {
            "messagingchannelid" => "MessagingChannelId",
            "messagingenduserid" => "MessagingEndUserId",
            _ => return None,
        };
        let is_record = self
            .frames
            .last()
            .and_then(|f| {
                f.scopes
                    .iter()
                    .rev()
                    .flat_map(|s| s.iter().rev())
                    .find(|l| l.name.eq_ignore_ascii_case(var))
            })
            .is_some_and(|l| l.val == Val::Record);
        if !is_record {
            return None;
        }
        Some(format!(
            "query for the record the inserted MessagingSession's {field} points to: the platform sets that lookup when the conversation starts and the query runs in system mode, so it finds its row"
        ))
    }

    /// `list[0]` (or `list.get(0)`) on a path that checked the list is not empty: an enclosing
    /// `if (!list.isEmpty())`, `list.size() > 0` (also `!= 0`, `>= 1`, `== 1`), or the other
    /// branch of `list.isEmpty()` / `list.size() == 0`.
    pub(super) fn checked_nonempty(&self, list: &Expr, index: &Expr) -> bool {
        if !matches!(&index.kind, ExprKind::Num(n) if *n == 0.0) {
            return false;
        }
        let squash = |s: &str| -> String {
            s.split_whitespace()
                .collect::<String>()
                .to_ascii_lowercase()
        };
        let l = squash(&self.src(list));
        let nonempty = [
            format!("!{l}.isempty()"),
            format!("{l}.size()>0"),
            format!("{l}.size()!=0"),
            format!("{l}.size()>=1"),
            format!("{l}.size()==1"),
        ];
        let empty = [format!("{l}.isempty()"), format!("{l}.size()==0")];
        self.guards.iter().any(|g| {
            let c = squash(&g.cond);
            // An `a || b` condition does not establish either operand.
            if c.contains("||") {
                return false;
            }
            // The list's name must not be the tail of a longer name (`xc.size() > 0`).
            let at_start = |pat: &str| {
                c.match_indices(pat).any(|(i, _)| {
                    !c[..i]
                        .chars()
                        .next_back()
                        .is_some_and(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '.')
                })
            };
            if g.required {
                nonempty.iter().any(|n| at_start(n))
            } else {
                empty.contains(&c)
            }
        })
    }

    pub(super) fn single_row_assign(&mut self, l: &'p Expr, r: &'p Expr) {
        // A local, or a field of the running class (a property's backing field filled by its
        // getter): a query assigned to a single record throws when nothing matches.
        if let ExprKind::Name(_) = &l.kind {
            if let Some(ty) = self.static_type_of(l) {
                self.single_row_check(&ty, r);
            }
        }
    }

    pub(super) fn static_type_of(&self, e: &Expr) -> Option<TypeRef> {
        match &e.kind {
            ExprKind::Name(n) => self.lookup_local(n).and_then(|l| l.ty.clone()).or_else(|| {
                // A field of the current class or one of its bases.
                let ci = self.frames.last().and_then(|f| f.class)?;
                let (chain, _) = self.prog.chain(ci);
                chain.into_iter().find_map(|k| {
                    self.prog.classes.get(k).and_then(|c| {
                        c.decl
                            .fields
                            .iter()
                            .find(|f| f.name.eq_ignore_ascii_case(n))
                            .map(|f| f.ty.clone())
                    })
                })
            }),
            ExprKind::Field(b, f) if matches!(&b.kind, ExprKind::This) => {
                self.static_type_of(&Expr {
                    kind: ExprKind::Name(f.clone()),
                    ..(**b).clone()
                })
            }
            ExprKind::New(t, _, _) => Some(t.clone()),
            ExprKind::Cast(t, _) => Some(t.clone()),
            _ => None,
        }
    }
}
