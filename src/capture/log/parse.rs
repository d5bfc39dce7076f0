//! The debug-log parser's line-by-line state machine: events, frames, insert attempts and
//! their candidate causes.

use super::decide::*;
use super::*;

impl LogParser {
    pub fn new() -> Self {
        LogParser::default()
    }

    /// Feeds the next piece of the log; chunks may split lines anywhere.
    pub fn feed(&mut self, chunk: &str) {
        if chunk.is_empty() {
            return;
        }
        if !self.utf8_carry.is_empty() {
            // A byte chunk ended inside a character and text follows: that character is lost.
            self.utf8_carry.clear();
            self.feed_str("\u{FFFD}");
        }
        self.feed_str(chunk);
    }

    /// Feeds raw bytes; a UTF-8 character split between chunks is joined, invalid bytes read
    /// as U+FFFD (and make their line garbled).
    pub fn feed_bytes(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        if self.utf8_carry.is_empty() {
            self.decode(bytes);
        } else {
            let mut joined = std::mem::take(&mut self.utf8_carry);
            joined.extend_from_slice(bytes);
            self.decode(&joined);
        }
    }

    fn decode(&mut self, mut bytes: &[u8]) {
        loop {
            match std::str::from_utf8(bytes) {
                Ok(s) => {
                    self.feed_str(s);
                    return;
                }
                Err(e) => {
                    let valid = e.valid_up_to();
                    let (good, rest) = bytes.split_at(valid);
                    if let Ok(s) = std::str::from_utf8(good) {
                        self.feed_str(s);
                    }
                    match e.error_len() {
                        Some(n) => {
                            self.feed_str("\u{FFFD}");
                            bytes = rest.get(n..).unwrap_or(&[]);
                        }
                        None => {
                            self.utf8_carry.extend_from_slice(rest);
                            return;
                        }
                    }
                }
            }
        }
    }

    fn feed_str(&mut self, chunk: &str) {
        self.summary.counts.bytes += chunk.len() as u64;
        let mut rest = chunk;
        if !self.partial.is_empty() || self.partial_full {
            match rest.find('\n') {
                None => {
                    self.append_partial(rest);
                    return;
                }
                Some(i) => {
                    self.append_partial(&rest[..i]);
                    rest = &rest[i + 1..];
                    let line = std::mem::take(&mut self.partial);
                    let full = self.partial_full;
                    self.partial_full = false;
                    self.process_line(&line, full);
                    self.partial = line;
                    self.partial.clear();
                }
            }
        }
        while let Some(i) = rest.find('\n') {
            self.process_line(&rest[..i], false);
            rest = &rest[i + 1..];
        }
        self.append_partial(rest);
    }

    fn append_partial(&mut self, s: &str) {
        if self.partial_full || s.is_empty() {
            return;
        }
        let room = MAX_LINE.saturating_sub(self.partial.len());
        if s.len() <= room {
            self.partial.push_str(s);
        } else {
            self.partial.push_str(cap(s, room));
            self.partial_full = true;
        }
    }

    /// Ends the log and returns what it showed.
    pub fn finish(mut self) -> LogSummary {
        if !self.utf8_carry.is_empty() {
            self.utf8_carry.clear();
            self.feed_str("\u{FFFD}");
        }
        if !self.partial.is_empty() || self.partial_full {
            let line = std::mem::take(&mut self.partial);
            let full = self.partial_full;
            let cut = match self.process_line(&line, full) {
                LineKind::Garbled => true,
                // A known event name is a complete line as far as the log can tell.
                LineKind::Event => {
                    let p = &self.pending;
                    !is_known_event(p.raw.get(p.name_start..p.name_end).unwrap_or(""))
                }
                _ => false,
            };
            if cut {
                self.summary.truncation.cut_mid_line = true;
            }
        }
        self.dispatch();
        let open = !self.stack.is_empty() || self.skipped_depth > 0;
        self.summary.truncation.unfinished =
            self.seen_event && (open || (self.exec_started && !self.exec_finished));
        // Frames still open: inserts whose DML never ended stay open (not closed).
        self.stack.clear();
        let t = &self.summary.truncation;
        let cut = t.cut_mid_line || t.max_size_reached || t.unfinished;
        self.summary.truncated = cut || t.skipped_markers > 0;

        let mut inserts = Vec::with_capacity(self.attempts.len());
        for a in std::mem::take(&mut self.attempts) {
            inserts.push(decide(a, cut, self.apex_off));
        }
        if inserts.is_empty() && self.orphan.shows_failure() {
            let a = Attempt {
                object: None,
                scope: AttemptScope::Log,
                line: self.orphan.evidence.first().map(|e| e.line).unwrap_or(0),
                rows: None,
                dml_closed: false,
                after_insert: false,
                c: std::mem::take(&mut self.orphan),
            };
            inserts.push(decide(a, cut, self.apex_off));
        }
        self.summary.inserts = inserts;
        self.summary
    }

    // -----------------------------------------------------------------------------------------
    // Lines
    // -----------------------------------------------------------------------------------------

    fn process_line(&mut self, raw: &str, overflowed: bool) -> LineKind {
        self.line_no += 1;
        let c = &mut self.summary.counts;
        c.lines += 1;
        let mut line = cap(raw, MAX_LINE);
        if overflowed || line.len() < raw.len() {
            c.long_lines += 1;
        }
        if let Some(s) = line.strip_suffix('\r') {
            line = s;
        }
        if self.line_no == 1 {
            line = line.strip_prefix('\u{FEFF}').unwrap_or(line);
        }
        if line.trim().is_empty() {
            c.blank_lines += 1;
            if self.pending.active {
                self.append_pending("");
            }
            return LineKind::Blank;
        }
        if let Some((ns, ne)) = event_shape(line) {
            self.dispatch();
            let p = &mut self.pending;
            p.active = true;
            p.line = self.line_no;
            p.name_start = ns;
            p.name_end = ne;
            p.raw.clear();
            p.raw.push_str(cap(line, MAX_EVENT_TEXT));
            p.full = false;
            self.seen_event = true;
            self.summary.counts.events += 1;
            return LineKind::Event;
        }
        if let Some(after) = line.strip_prefix("*** Skipped") {
            self.dispatch();
            let t = &mut self.summary.truncation;
            t.skipped_markers = t.skipped_markers.saturating_add(1);
            let n = after
                .split_whitespace()
                .next()
                .and_then(|w| w.parse::<u64>().ok())
                .unwrap_or(0);
            t.skipped_bytes = t.skipped_bytes.saturating_add(n);
            self.summary_evidence(self.line_no, line);
            return LineKind::Marker;
        }
        if line.contains("MAXIMUM DEBUG LOG SIZE REACHED") {
            self.dispatch();
            self.summary.truncation.max_size_reached = true;
            self.summary_evidence(self.line_no, line);
            return LineKind::Marker;
        }
        if let Some((version, levels)) = parse_header(line).filter(|_| !self.seen_event) {
            self.dispatch();
            if self.summary.api_version.is_none() {
                self.summary.api_version = Some(version.to_string());
                for part in levels.split(';') {
                    if self.summary.log_levels.len() >= MAX_LEVELS {
                        break;
                    }
                    if let Some((cat, lvl)) = part.split_once(',') {
                        let (cat, lvl) = (cat.trim(), lvl.trim());
                        if cat == "APEX_CODE" && lvl == "NONE" {
                            self.apex_off = true;
                        }
                        self.summary.log_levels.push(LogLevel {
                            category: cap(cat, 64).to_string(),
                            level: cap(lvl, 32).to_string(),
                        });
                    }
                }
            }
            return LineKind::Header;
        }
        if line.starts_with("Execute Anonymous:") && !self.seen_event {
            return LineKind::Preamble;
        }
        if !self.pending.active || is_binary(line) || looks_like_timestamp(line) {
            let c = &mut self.summary.counts;
            c.garbled_lines += 1;
            if self.summary.garbled_lines.len() < MAX_GARBLED_KEPT {
                self.summary.garbled_lines.push(self.line_no);
            }
            return LineKind::Garbled;
        }
        self.summary.counts.continuation_lines += 1;
        self.append_pending(line);
        LineKind::Continuation
    }

    fn append_pending(&mut self, line: &str) {
        let p = &mut self.pending;
        if p.full {
            return;
        }
        let room = MAX_EVENT_TEXT.saturating_sub(p.raw.len());
        if line.len() < room {
            p.raw.push('\n');
            p.raw.push_str(line);
        } else {
            p.full = true;
            if room > 1 {
                p.raw.push('\n');
                p.raw.push_str(cap(line, room - 1));
            }
        }
    }

    fn summary_evidence(&mut self, line: u64, text: &str) {
        if self.summary.evidence.len() < MAX_SUMMARY_EVIDENCE {
            self.summary.evidence.push(EvidenceLine {
                line,
                text: cap(text, MAX_EVIDENCE_TEXT).to_string(),
            });
        }
    }

    // -----------------------------------------------------------------------------------------
    // Events
    // -----------------------------------------------------------------------------------------

    fn dispatch(&mut self) {
        if !self.pending.active {
            return;
        }
        let p = std::mem::take(&mut self.pending);
        let name = p.raw.get(p.name_start..p.name_end).unwrap_or("");
        let fields = p.raw.get(p.name_end + 1..).unwrap_or("");
        let ev = &Ev {
            line: p.line,
            text: cap(&p.raw, MAX_EVIDENCE_TEXT),
        };
        match name {
            "EXECUTION_STARTED" => self.exec_started = true,
            "EXECUTION_FINISHED" => self.exec_finished = true,
            "CODE_UNIT_STARTED" => self.on_unit_started(fields, ev),
            "CODE_UNIT_FINISHED" => self.on_unit_finished(fields),
            "DML_BEGIN" => self.on_dml_begin(fields, ev),
            "DML_END" => self.on_dml_end(),
            "EXCEPTION_THROWN" => self.on_exception(fields, ev),
            "FATAL_ERROR" => self.on_fatal(fields, ev),
            "VALIDATION_RULE" => self.on_validation_rule(fields, ev),
            "VALIDATION_FORMULA" => self.on_validation_formula(fields, ev),
            "VALIDATION_PASS" => self.rule = None,
            "VALIDATION_FAIL" => self.on_validation_fail(ev),
            "VALIDATION_ERROR" => self.on_validation_error(fields, ev),
            "FLOW_START_INTERVIEW_BEGIN" => self.on_flow_begin(fields, ev),
            "FLOW_START_INTERVIEW_END" => self.on_flow_end(),
            "FLOW_ELEMENT_BEGIN" => self.on_flow_element(fields),
            "FLOW_ELEMENT_ERROR" => self.on_flow_error(fields, ev, true),
            "FLOW_ELEMENT_FAULT" => self.on_flow_error(fields, ev, false),
            "FLOW_START_INTERVIEWS_ERROR" => self.on_flow_interviews_error(fields, ev),
            "METHOD_ENTRY" | "SYSTEM_METHOD_ENTRY" => {
                if fields.contains("addError(") {
                    self.on_add_error(ev);
                }
            }
            "USER_DEBUG" => self.summary.counts.user_debug += 1,
            "SOQL_EXECUTE_BEGIN" => self.summary.counts.soql_queries += 1,
            _ => {
                if !is_known_event(name) {
                    self.summary.counts.unknown_events += 1;
                    let names = &mut self.summary.unknown_event_names;
                    if names.len() < MAX_UNKNOWN_NAMES && !names.iter().any(|n| n == name) {
                        names.push(cap(name, 64).to_string());
                    }
                }
            }
        }
        self.pending = p;
        self.pending.active = false;
    }

    fn push_frame(&mut self, f: Frame) {
        if self.stack.len() >= MAX_STACK {
            self.skipped_depth += 1;
        } else {
            self.stack.push(f);
        }
    }

    /// Closes frames down to (and including) `index`.
    fn close_to(&mut self, index: usize) {
        while self.stack.len() > index {
            if let Some(Frame::Dml {
                attempt: Some(i), ..
            }) = self.stack.pop()
            {
                // Closed by an outer frame's end: the DML's own end was not seen.
                self.last_closed = Some(i);
            }
        }
    }

    /// Where the current event belongs: the innermost DML decides.
    fn target(&self) -> Target {
        for f in self.stack.iter().rev() {
            if let Frame::Dml { attempt } = f {
                return match attempt {
                    Some(i) => Target::Attempt(*i),
                    None => Target::Foreign,
                };
            }
        }
        match self.implicit {
            Some(i) => Target::Attempt(i),
            None => Target::Orphan,
        }
    }

    fn collector(&mut self, t: Target) -> Option<&mut Collector> {
        match t {
            Target::Attempt(i) => self.attempts.get_mut(i).map(|a| &mut a.c),
            Target::Orphan => Some(&mut self.orphan),
            Target::Foreign => None,
        }
    }

    /// Stack index of the innermost code unit, when it is a trigger (and no DML lies between).
    fn innermost_trigger(&self) -> Option<usize> {
        for (i, f) in self.stack.iter().enumerate().rev() {
            match f {
                Frame::Dml { .. } => return None,
                Frame::Unit(u) => return u.trigger.as_ref().map(|_| i),
                Frame::Flow(_) => continue,
            }
        }
        None
    }

    fn innermost_flow(&self) -> Option<&FlowFrame> {
        for f in self.stack.iter().rev() {
            match f {
                Frame::Dml { .. } => return None,
                Frame::Unit(_) => continue,
                Frame::Flow(fl) => return Some(fl),
            }
        }
        None
    }

    fn trigger_at(&self, i: usize) -> Option<&Unit> {
        match self.stack.get(i) {
            Some(Frame::Unit(u)) => Some(u),
            _ => None,
        }
    }

    fn has_dml_frame(&self) -> bool {
        self.stack.iter().any(|f| matches!(f, Frame::Dml { .. }))
    }

    fn new_attempt(&mut self, object: &str, scope: AttemptScope, line: u64) -> Option<usize> {
        if self.attempts.len() >= MAX_INSERTS {
            self.summary.counts.inserts_not_kept += 1;
            return None;
        }
        self.attempts.push(Attempt {
            object: Some(object.to_string()),
            scope,
            line,
            rows: None,
            dml_closed: false,
            after_insert: false,
            c: Collector::default(),
        });
        Some(self.attempts.len() - 1)
    }

    fn on_unit_started(&mut self, fields: &str, ev: &Ev) {
        self.summary.counts.code_units += 1;
        let (_, body) = split_marker(fields);
        let mut trigger = None;
        let mut name = "";
        for part in body.split('|') {
            if let Some(t) = parse_trigger_unit(part) {
                trigger = Some(t);
                name = part;
                break;
            }
        }
        if trigger.is_none() {
            name = body
                .split('|')
                .map(str::trim)
                .find(|p| !p.is_empty() && !looks_like_id(p))
                .unwrap_or(body);
        }
        // The platform's own insert shows no DML line: a top-level insert-time unit on a
        // tracked object opens an attempt.
        let after_insert = trigger
            .as_ref()
            .is_some_and(|t| t.2.eq_ignore_ascii_case("AfterInsert"));
        let insert_object = match &trigger {
            Some(t) if t.2.to_ascii_lowercase().contains("insert") => tracked(t.1),
            Some(_) => None,
            None => context_object(name).and_then(tracked),
        };
        if let Some(obj) = insert_object {
            if !self.has_dml_frame() {
                let same = self
                    .implicit
                    .and_then(|i| self.attempts.get(i))
                    .map(|a| a.object.as_deref() == Some(obj))
                    .unwrap_or(false);
                if !same {
                    self.implicit = self.new_attempt(obj, AttemptScope::CodeUnits, ev.line);
                }
                if let Some(c) = self.implicit.and_then(|i| self.attempts.get_mut(i)) {
                    c.c.push_evidence(ev.line, ev.text);
                    c.after_insert |= after_insert;
                }
            }
        }
        let trigger = trigger.map(|(n, o, _)| TriggerInfo {
            name: cap(n, MAX_NAME).to_string(),
            object: cap(o, MAX_NAME).to_string(),
        });
        if let Some(t) = &trigger {
            let tname = t.name.clone();
            let on_tracked = tracked(&t.object).is_some();
            let target = self.target();
            if on_tracked {
                if let Some(c) = self.collector(target) {
                    c.last_trigger = Some(tname);
                }
            }
        }
        let start = trigger.as_ref().map(|_| ev.owned());
        self.push_frame(Frame::Unit(Unit {
            name: cap(name.trim(), MAX_NAME).to_string(),
            trigger,
            start,
            exc_candidate: None,
        }));
    }

    fn on_unit_finished(&mut self, fields: &str) {
        if self.skipped_depth > 0 {
            self.skipped_depth -= 1;
            return;
        }
        let first = fields.split('|').next().unwrap_or("").trim();
        let by_name = self.stack.iter().rposition(|f| match f {
            Frame::Unit(u) => !first.is_empty() && u.name == cap(first, MAX_NAME),
            _ => false,
        });
        let idx = by_name.or_else(|| self.stack.iter().rposition(|f| matches!(f, Frame::Unit(_))));
        if let Some(i) = idx {
            self.close_to(i);
        }
    }

    fn on_dml_begin(&mut self, fields: &str, ev: &Ev) {
        self.summary.counts.dml_statements += 1;
        self.last_closed = None;
        let mut op = "";
        let mut ty = "";
        let mut rows = None;
        for part in fields.split('|') {
            let part = part.trim();
            if let Some(v) = part.strip_prefix("Op:") {
                op = v;
            } else if let Some(v) = part.strip_prefix("Type:") {
                ty = v;
            } else if let Some(v) = part.strip_prefix("Rows:") {
                rows = v.trim().parse::<u64>().ok();
            }
        }
        let mut attempt = None;
        if op.eq_ignore_ascii_case("insert") {
            if let Some(obj) = tracked(ty) {
                attempt = self.new_attempt(obj, AttemptScope::Dml, ev.line);
                if let Some(a) = attempt.and_then(|i| self.attempts.get_mut(i)) {
                    a.rows = rows;
                    a.c.push_evidence(ev.line, ev.text);
                }
            }
        }
        self.push_frame(Frame::Dml { attempt });
    }

    fn on_dml_end(&mut self) {
        if self.skipped_depth > 0 {
            self.skipped_depth -= 1;
            return;
        }
        if let Some(i) = self
            .stack
            .iter()
            .rposition(|f| matches!(f, Frame::Dml { .. }))
        {
            let attempt = match self.stack.get(i) {
                Some(Frame::Dml { attempt }) => *attempt,
                _ => None,
            };
            self.close_to(i);
            if let Some(a) = attempt {
                if let Some(at) = self.attempts.get_mut(a) {
                    at.dml_closed = true;
                }
                self.last_closed = Some(a);
            }
        }
    }

    fn record_dml_error(&mut self, text: &str, line: u64) -> Option<(DmlStatus, String)> {
        let (code, message, fields, raw) = parse_dml_status(text)?;
        let st = DmlStatus {
            status_code: code,
            message,
            fields,
            line,
        };
        // EXCEPTION_THROWN and FATAL_ERROR usually repeat the same error: keep it once.
        let seen = self.summary.dml_errors.iter().any(|e| {
            e.status_code == st.status_code && e.message == st.message && e.fields == st.fields
        });
        if !seen && self.summary.dml_errors.len() < MAX_DML_ERRORS {
            self.summary.dml_errors.push(st.clone());
        }
        Some((st, raw))
    }

    /// A DmlException for the insert itself (not raised inside one of its triggers).
    fn set_status(&mut self, st: DmlStatus, raw: String, ev: &Ev) {
        let mut t = self.target();
        if t == Target::Orphan {
            if let Some(i) = self.last_closed {
                t = Target::Attempt(i);
            }
        }
        if let Some(c) = self.collector(t) {
            if c.status.is_none() {
                c.status = Some(st);
                c.status_raw = cap(&raw, MAX_TEXT).to_string();
            }
            c.push_evidence(ev.line, ev.text);
        }
    }

    fn on_exception(&mut self, fields: &str, ev: &Ev) {
        self.summary.counts.exceptions_thrown += 1;
        let (line, text) = split_marker(fields);
        let status = self.record_dml_error(text, ev.line);
        let target = self.target();
        if target == Target::Foreign {
            return;
        }
        if let Some(ti) = self.innermost_trigger() {
            let Some(unit) = self.trigger_at(ti) else {
                return;
            };
            let trig = unit.trigger.as_ref().map(|t| t.name.clone());
            let start = unit.start.clone();
            let (ty, msg, stack) = parse_exception(text);
            let cause = LogCause::TriggerException {
                trigger: trig,
                exception_type: ty,
                message: msg,
                line,
                stack,
            };
            let idx = self.collector(target).and_then(|c| {
                if let Some(s) = &start {
                    c.push_evidence(s.line, &s.text);
                }
                c.push_evidence(ev.line, ev.text);
                c.push_candidate(cause, false)
            });
            if let Some(Frame::Unit(u)) = self.stack.get_mut(ti) {
                if let Some(idx) = idx {
                    u.exc_candidate = Some((target, idx));
                }
            }
        } else if let Some((st, raw)) = status {
            self.set_status(st, raw, ev);
        }
    }

    fn on_fatal(&mut self, fields: &str, ev: &Ev) {
        self.summary.counts.fatal_errors += 1;
        let status = self.record_dml_error(fields, ev.line);
        let target = self.target();
        if target == Target::Foreign {
            return;
        }
        if let Some(ti) = self.innermost_trigger() {
            let Some(unit) = self.trigger_at(ti) else {
                return;
            };
            let trig = unit.trigger.as_ref().map(|t| t.name.clone());
            let start = unit.start.clone();
            let exc = unit.exc_candidate;
            let (ty, msg, stack) = parse_exception(fields);
            let Some(c) = self.collector(target) else {
                return;
            };
            if let Some(s) = &start {
                c.push_evidence(s.line, &s.text);
            }
            c.push_evidence(ev.line, ev.text);
            let upgraded = match exc {
                Some((t, idx)) if t == target => match c.candidates.get_mut(idx) {
                    Some(cand) => {
                        cand.strong = true;
                        if let LogCause::TriggerException { stack: s, .. } = &mut cand.cause {
                            if s.is_empty() {
                                *s = stack.clone();
                            }
                        }
                        true
                    }
                    None => false,
                },
                _ => false,
            };
            if !upgraded {
                c.push_candidate(
                    LogCause::TriggerException {
                        trigger: trig,
                        exception_type: ty,
                        message: msg,
                        line: None,
                        stack,
                    },
                    true,
                );
            }
        } else if let Some((st, raw)) = status {
            self.set_status(st, raw, ev);
        } else {
            let first = first_line(fields);
            let is_orphan = target == Target::Orphan;
            if let Some(c) = self.collector(target) {
                c.push_evidence(ev.line, ev.text);
                // An uncaught exception whose trigger unit already closed.
                let mut upgraded = false;
                for cand in c.candidates.iter_mut().filter(|c| !c.strong) {
                    if let LogCause::TriggerException {
                        exception_type,
                        message,
                        ..
                    } = &cand.cause
                    {
                        let ty_ok = exception_type
                            .as_deref()
                            .map(|t| first.contains(t))
                            .unwrap_or(true);
                        if ty_ok && !message.is_empty() && first.contains(first_line(message)) {
                            cand.strong = true;
                            upgraded = true;
                            if let LogCause::TriggerException { stack, .. } = &mut cand.cause {
                                if stack.is_empty() {
                                    *stack = stack_lines(fields);
                                }
                            }
                            break;
                        }
                    }
                }
                if !upgraded && c.fatal.is_none() {
                    c.fatal = Some(cap(first, MAX_TEXT).to_string());
                }
            }
            if is_orphan {
                self.summary_evidence(ev.line, ev.text);
            }
        }
    }

    fn on_validation_rule(&mut self, fields: &str, ev: &Ev) {
        self.summary.counts.validation_rules += 1;
        let parts: Vec<&str> = fields
            .split('|')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .take(4)
            .collect();
        let (id, name) = match parts.as_slice() {
            [] => (None, ""),
            [one] => (None, *one),
            [a, b, ..] if looks_like_id(a) => (Some(*a), *b),
            [a, b, ..] if looks_like_id(b) => (Some(*b), *a),
            [a, b, ..] => (None, if b.is_empty() { *a } else { *b }),
        };
        self.rule = Some(RuleState {
            id: id.map(|s| cap(s, 18).to_string()),
            name: cap(name, MAX_NAME).to_string(),
            rule_line: Some(ev.owned()),
            ..RuleState::default()
        });
    }

    fn on_validation_formula(&mut self, fields: &str, ev: &Ev) {
        let (formula, values) = split_formula(fields);
        let r = self.rule.get_or_insert_with(RuleState::default);
        r.formula = Some(cap(formula.trim(), MAX_TEXT).to_string()).filter(|s| !s.is_empty());
        r.values = values
            .map(|v| cap(v.trim(), MAX_TEXT).to_string())
            .filter(|s| !s.is_empty());
        r.formula_line = Some(ev.owned());
    }

    fn on_validation_fail(&mut self, ev: &Ev) {
        let r = self.rule.take().unwrap_or_default();
        let target = self.target();
        if let Some(c) = self.collector(target) {
            for e in [&r.rule_line, &r.formula_line].into_iter().flatten() {
                c.push_evidence(e.line, &e.text);
            }
            c.push_evidence(ev.line, ev.text);
            c.push_candidate(
                LogCause::ValidationRule {
                    name: r.name,
                    id: r.id,
                    formula: r.formula,
                    values: r.values,
                    message: None,
                },
                true,
            );
        }
    }

    fn on_validation_error(&mut self, fields: &str, ev: &Ev) {
        let msg = cap(fields.trim(), MAX_TEXT).to_string();
        let target = self.target();
        if let Some(c) = self.collector(target) {
            let slot = c
                .candidates
                .iter_mut()
                .find_map(|cand| match &mut cand.cause {
                    LogCause::ValidationRule { message, .. } if message.is_none() => Some(message),
                    _ => None,
                });
            if let Some(m) = slot {
                *m = Some(msg);
                c.push_evidence(ev.line, ev.text);
            }
        }
    }

    fn on_flow_begin(&mut self, fields: &str, ev: &Ev) {
        self.summary.counts.flow_interviews += 1;
        let parts: Vec<&str> = fields
            .split('|')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        // `<interview id>|<label>`; tolerate the label alone or in another position.
        let label = parts
            .iter()
            .rev()
            .find(|p| !looks_like_interview_id(p))
            .or(parts.last())
            .copied()
            .unwrap_or("");
        self.push_frame(Frame::Flow(FlowFrame {
            label: cap(label, MAX_NAME).to_string(),
            start: ev.owned(),
            element: None,
            element_type: None,
        }));
    }

    fn on_flow_end(&mut self) {
        if self.skipped_depth > 0 {
            self.skipped_depth -= 1;
            return;
        }
        // Only an interview above the innermost DML can end here.
        let mut idx = None;
        for (i, f) in self.stack.iter().enumerate().rev() {
            match f {
                Frame::Flow(_) => {
                    idx = Some(i);
                    break;
                }
                Frame::Dml { .. } => break,
                Frame::Unit(_) => continue,
            }
        }
        if let Some(i) = idx {
            self.close_to(i);
        }
    }

    fn on_flow_element(&mut self, fields: &str) {
        let parts: Vec<&str> = fields.split('|').map(str::trim).collect();
        let ty_pos = parts.iter().position(|p| is_flow_element_type(p));
        let (ty, name) = match ty_pos {
            Some(i) => (parts.get(i).copied(), parts.get(i + 1).copied()),
            None => (None, parts.last().copied()),
        };
        if let Some(Frame::Flow(f)) = self.stack.last_mut() {
            f.element_type = ty.map(|s| cap(s, 64).to_string());
            f.element = name
                .filter(|s| !s.is_empty())
                .map(|s| cap(s, MAX_NAME).to_string());
        }
    }

    fn on_flow_error(&mut self, fields: &str, ev: &Ev, strong: bool) {
        let parts: Vec<&str> = fields.split('|').collect();
        let ty_pos = parts.iter().rposition(|p| is_flow_element_type(p.trim()));
        let (flow, start, cur_el, cur_ty) = match self.innermost_flow() {
            Some(f) => (
                Some(f.label.clone()).filter(|s| !s.is_empty()),
                Some(f.start.clone()),
                f.element.clone(),
                f.element_type.clone(),
            ),
            None => (None, None, None, None),
        };
        let (message, ty, element) = match ty_pos {
            Some(i) => {
                let before = parts.get(..i).map(|p| p.join("|")).unwrap_or_default();
                let el = parts.get(i + 1).map(|s| s.trim().to_string());
                let after = parts.get(i + 2..).map(|p| p.join("|")).unwrap_or_default();
                let msg = if before.trim().is_empty() {
                    after
                } else {
                    before
                };
                (
                    msg,
                    parts.get(i).map(|s| s.trim().to_string()),
                    el.filter(|s| !s.is_empty()).or(cur_el),
                )
            }
            None => (fields.to_string(), cur_ty, cur_el),
        };
        let message = cap(message.trim(), MAX_TEXT).to_string();
        let custom = ty.as_deref() == Some("FlowCustomError");
        let element = element.map(|s| cap(&s, MAX_NAME).to_string());
        let cause = if custom {
            LogCause::FlowCustomError {
                flow,
                element,
                message,
            }
        } else {
            LogCause::FlowFault {
                flow,
                element,
                message,
            }
        };
        let target = self.target();
        if let Some(c) = self.collector(target) {
            if let Some(s) = &start {
                c.push_evidence(s.line, &s.text);
            }
            c.push_evidence(ev.line, ev.text);
            c.push_candidate(cause, strong);
        }
    }

    fn on_flow_interviews_error(&mut self, fields: &str, ev: &Ev) {
        // `<message>|<interview id>|<flow name>`; the message may span lines or hold `|`.
        let parts: Vec<&str> = fields.split('|').collect();
        let (message, flow) = if parts.len() >= 3 {
            let n = parts.len();
            (
                parts.get(..n - 2).map(|p| p.join("|")).unwrap_or_default(),
                parts.get(n - 1).map(|s| s.trim().to_string()),
            )
        } else {
            (fields.to_string(), None)
        };
        let flow = flow.filter(|s| !s.is_empty());
        let target = self.target();
        if let Some(c) = self.collector(target) {
            c.push_evidence(ev.line, ev.text);
            // Already reported by FLOW_ELEMENT_ERROR: only name the flow.
            let existing = c
                .candidates
                .iter_mut()
                .rev()
                .find_map(|cand| match &mut cand.cause {
                    LogCause::FlowCustomError { flow: f, .. }
                    | LogCause::FlowFault { flow: f, .. }
                        if cand.strong =>
                    {
                        Some(f)
                    }
                    _ => None,
                });
            match existing {
                Some(f) => {
                    if f.is_none() {
                        *f = flow;
                    }
                }
                None => {
                    c.push_candidate(
                        LogCause::FlowFault {
                            flow: flow.map(|s| cap(&s, MAX_NAME).to_string()),
                            element: None,
                            message: cap(message.trim(), MAX_TEXT).to_string(),
                        },
                        true,
                    );
                }
            }
        }
    }

    fn on_add_error(&mut self, ev: &Ev) {
        let Some(ti) = self.innermost_trigger() else {
            return;
        };
        let Some(unit) = self.trigger_at(ti) else {
            return;
        };
        let name = unit.trigger.as_ref().map(|t| t.name.clone());
        let start = unit.start.clone();
        let target = self.target();
        if let Some(c) = self.collector(target) {
            if c.add_error_trigger.is_none() {
                c.add_error_trigger = name;
            }
            if let Some(s) = &start {
                c.push_evidence(s.line, &s.text);
            }
            c.push_evidence(ev.line, ev.text);
        }
    }
}
