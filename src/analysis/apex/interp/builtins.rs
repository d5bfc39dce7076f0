//! Platform classes called statically (Database, UserInfo, Schema, FeatureManagement, …) and the
//! running user.

use super::*;

impl<'p, 'a> Interp<'p, 'a> {
    pub(super) fn builtin_static(
        &mut self,
        e: &'p Expr,
        ty: &str,
        lname: &str,
        args: &'p [Expr],
    ) -> Val {
        let tl = ty.to_ascii_lowercase();
        let tl = tl.strip_prefix("system.").unwrap_or(&tl).to_string();
        // Database.insert(x, allOrNone) handles its own arguments.
        if tl == "database"
            && matches!(
                lname,
                "insert" | "update" | "upsert" | "delete" | "undelete" | "merge"
            )
        {
            let target = args.first();
            let v = match target {
                Some(t) => self.eval(t),
                None => Val::Unknown(String::new()),
            };
            let mut all_or_none = Some(true);
            // allOrNone is the second argument (third for upsert with an external id field).
            for a in args.iter().skip(1) {
                match self.eval(a) {
                    Val::Bool(b) => all_or_none = Some(b),
                    Val::Unknown(_) if matches!(a.kind, ExprKind::Name(_)) => all_or_none = None,
                    _ => {}
                }
            }
            if let Some(t) = target {
                if all_or_none.is_none() {
                    let note = format!(
                        "Database.{lname}(…) with an allOrNone flag of unknown value: it throws a DmlException on failure when the flag is true ({})",
                        self.src(e)
                    );
                    self.may_throw(e.line, SiteKind::Dml, note, Some("DmlException"));
                } else {
                    self.dml_site(e.line, lname, t, &v, all_or_none, false);
                }
            }
            return Val::Unknown(String::new());
        }
        let argv: Vec<Val> = args.iter().map(|a| self.eval(a)).collect();
        let text = self.src(e);
        match (tl.as_str(), lname) {
            // `Type.forName([namespace,] name)`: a name the code fixes is that class; a name read
            // from data picks the class at run time.
            ("type", "forname") => match (argv.last(), args.last()) {
                (Some(Val::Text(n)), _) => {
                    let ctx = self.frames.last().and_then(|f| f.class);
                    if self.prog.find_in_context(n, ctx).is_some() {
                        Val::Type(n.clone())
                    } else {
                        Val::Unseen(n.clone())
                    }
                }
                (_, Some(a)) => Val::Dynamic(format!("the class named by `{}`", clip(&self.src(a), 80))),
                _ => Val::Unknown(format!("`{text}`")),
            },
            ("userinfo", "getusertype") => self.user_value("UserType", "the running user's type"),
            ("userinfo", "getusername") => self.user_value("Username", "the running user's username"),
            ("userinfo", "getprofileid") => self.user_value("ProfileId", "the running user's profile id"),
            ("userinfo", "getname") => self.user_value("Name", "the running user's name"),
            ("userinfo", "getlastname") => self.user_value("LastName", "the running user's last name"),
            ("userinfo", _) => Val::Unknown(format!("`{text}` for the Automated Process user")),
            ("featuremanagement", "checkpermission") => match argv.first() {
                Some(Val::Text(p)) => match self.record.has_permission(p) {
                    Some(b) => {
                        self.fact(format!("the Automated Process user {} custom permission {p}", if b { "has" } else { "does not have" }));
                        Val::Bool(b)
                    }
                    None => Val::Unknown(format!(
                        "whether the Automated Process user has custom permission '{p}' (assigned through a permission set)"
                    )),
                },
                _ => Val::Unknown(format!("the custom permission check `{text}`")),
            },
            ("test", "isrunningtest") => {
                self.fact("Test.isRunningTest() is false for a real conversation".into());
                Val::Bool(false)
            }
            ("system", "isbatch" | "isfuture" | "isqueueable" | "isscheduled") => {
                self.fact(format!("System.{lname}() is false in the insert's own transaction"));
                Val::Bool(false)
            }
            ("system", "schedule" | "schedulebatch") => {
                let note = format!(
                    "`{text}` schedules a job from the trigger: it throws if a job with the same name is already scheduled or the org's 100 scheduled jobs limit is reached"
                );
                self.may_throw(e.line, SiteKind::AsyncJob, note, Some("AsyncException"));
                Val::Unknown(String::new())
            }
            ("database", "executebatch") => {
                let note = format!(
                    "`{text}` starts a batch job from the trigger: it throws when 5 batch jobs are already queued or active (AsyncException)"
                );
                self.may_throw(e.line, SiteKind::AsyncJob, note, Some("AsyncException"));
                Val::Unknown(String::new())
            }
            ("system", "enqueuejob") => {
                self.site(
                    e.line,
                    SiteKind::AsyncJob,
                    Risk::Harmless,
                    format!("`{text}` queues a job that runs after the insert commits (its failure does not undo the insert)"),
                    None,
                );
                Val::Unknown(String::new())
            }
            ("security", "stripinaccessible") => {
                let note = format!(
                    "`{text}` checks the Automated Process user's object and field access: it throws a NoAccessException if that user cannot access the object at all"
                );
                self.may_throw(e.line, SiteKind::Security, note, Some("NoAccessException"));
                Val::Unknown(String::new())
            }
            ("database", "query") => {
                let q = match argv.first() {
                    Some(Val::Text(t)) => t.clone(),
                    _ => text.clone(),
                };
                Val::Rows(query_object(&q), q, e.line)
            }
            ("string", "isblank" | "isempty" | "isnotblank" | "isnotempty") => {
                let neg = lname.contains("not");
                let blank = match argv.first() {
                    Some(Val::Null(_)) => Some(true),
                    Some(Val::Text(s)) => Some(if lname.contains("blank") { s.trim().is_empty() } else { s.is_empty() }),
                    _ => None,
                };
                match blank {
                    Some(b) => Val::Bool(b != neg),
                    None => Val::Unknown(argv.first().map(val_why).filter(|w| !w.is_empty()).unwrap_or_else(|| format!("`{text}`"))),
                }
            }
            ("string", "valueof") => match argv.first() {
                Some(Val::Text(s)) => Val::Text(s.clone()),
                Some(Val::Num(n)) => Val::Text(n.to_string()),
                Some(Val::Bool(b)) => Val::Text(b.to_string()),
                _ => Val::Unknown(format!("`{text}`")),
            },
            // Custom settings: a list setting's named record may not exist (null); a hierarchy
            // setting's record always comes back, with fields that may be unset.
            (_, "getvalues" | "getinstance" | "getorgdefaults") if is_sobject_type(ty) => {
                let obj = ty.rsplit('.').next().unwrap_or(ty).to_string();
                self.settings.insert(obj.to_ascii_lowercase());
                let named = lname == "getvalues"
                    || (lname == "getinstance"
                        && matches!(argv.first(), Some(Val::Text(_) | Val::Unknown(_))));
                if named {
                    let name = args
                        .first()
                        .map(|a| self.src(a))
                        .unwrap_or_default();
                    Val::Null(NullWhy::When(format!(
                        "the list custom setting {obj} has no record named {name}"
                    )))
                } else {
                    Val::SObject(obj)
                }
            }
            _ if is_system_class(ty) || is_sobject_type(ty) => {
                Val::Unknown(format!("the result of `{text}`"))
            }
            _ => {
                // A class that was not provided. If it is handed a provided handler (a framework
                // dispatcher such as `Framework.handle(MyHandler.class)`), run the handler's hooks.
                let what = format!(
                    "class {ty} (called at {}: `{text}`) — its source was not provided",
                    self.loc(self.unit(), e.line)
                );
                self.add_unseen(what);
                let ctx = self.frames.last().and_then(|f| f.class);
                for v in &argv {
                    match v {
                        Val::Type(h) => {
                            if let Some(ci) = self.prog.find_in_context(h, ctx) {
                                self.run_hooks(ci, None, ty, e);
                            }
                        }
                        Val::Obj(o) => {
                            if let Some(ci) = self.objects.get(*o).map(|s| s.class) {
                                self.run_hooks(ci, Some(*o), ty, e);
                            }
                        }
                        _ => {}
                    }
                }
                Val::Unknown(format!("the result of `{text}`, whose code was not provided"))
            }
        }
    }

    pub(super) fn user_value(&mut self, field: &str, what: &str) -> Val {
        match self.record.user_field(field) {
            Some(FieldValue::Known(Known::Text(t))) => {
                self.fact(format!(
                    "{what} is '{t}' (the Automated Process user inserts the record)"
                ));
                Val::Text(t.clone())
            }
            Some(FieldValue::Known(Known::Null)) => {
                Val::Null(NullWhy::Definite(format!("{what} is null")))
            }
            Some(FieldValue::Known(Known::Bool(b))) => Val::Bool(*b),
            Some(FieldValue::Known(Known::Number(n))) => Val::Num(*n),
            Some(FieldValue::Unknown(w)) => Val::Unknown(format!("{what}: {w}")),
            None => Val::Unknown(format!(
                "{what} (not in the model of the Automated Process user)"
            )),
        }
    }
}
