// A synthetic debug log of a busy MessagingSession insert that fails at the very end (an NPE in
// the trigger → CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY), for the log-parser benchmarks. Included
// with `include!` by examples/bench_log.rs and crates/popup-wasm/tests/engines_bench.rs.

fn ts(n: u64) -> String {
    let ms = n / 1_000_000;
    format!(
        "{:02}:{:02}:{:02}.{:03} ({n})",
        (ms / 3_600_000) % 24,
        (ms / 60_000) % 60,
        (ms / 1000) % 60,
        ms % 1000
    )
}

fn synthetic_log(target_bytes: usize) -> String {
    let mut s = String::with_capacity(target_bytes + 4096);
    let mut n: u64 = 1_000_000;
    let mut line = |s: &mut String, rest: &str| {
        n += 7_919;
        s.push_str(&ts(n));
        s.push('|');
        s.push_str(rest);
        s.push('\n');
    };
    s.push_str("65.0 APEX_CODE,FINEST;APEX_PROFILING,INFO;CALLOUT,INFO;DB,INFO;NBA,INFO;SYSTEM,DEBUG;VALIDATION,INFO;VISUALFORCE,INFO;WAVE,INFO;WORKFLOW,FINER\n");
    line(&mut s, "EXECUTION_STARTED");
    line(
        &mut s,
        "CODE_UNIT_STARTED|[EXTERNAL]|DML Insert MessagingSession",
    );
    line(
        &mut s,
        "DML_BEGIN|[EXTERNAL]|Op:Insert|Type:MessagingSession|Rows:1",
    );
    line(&mut s, "CODE_UNIT_STARTED|[EXTERNAL]|01q5g000000TrigAAA|BusyTrigger on MessagingSession trigger event BeforeInsert|__sfdc_trigger/BusyTrigger");
    let mut i = 0u64;
    // Leave room for the failure at the end.
    while s.len() < target_bytes.saturating_sub(2048) {
        i += 1;
        match i % 10 {
            0 => line(&mut s, &format!("SOQL_EXECUTE_BEGIN|[{}]|Aggregations:0|SELECT Id, Name, ContactId, Contact.MailingCountry FROM MessagingEndUser WHERE Id IN :tmpVar{i} LIMIT 200", 10 + i % 90)),
            1 => line(&mut s, &format!("SOQL_EXECUTE_END|[{}]|Rows:{}", 10 + i % 90, i % 7)),
            2 => line(&mut s, &format!("DML_BEGIN|[{}]|Op:Update|Type:Contact|Rows:{}", 20 + i % 50, 1 + i % 3)),
            3 => line(&mut s, &format!("DML_END|[{}]", 20 + i % 50)),
            4 => line(&mut s, &format!("METHOD_ENTRY|[{}]|01p5g000000HndlAAA|MessagingSessionHandler.enrich(List<MessagingSession>)", i % 200)),
            5 => line(&mut s, &format!("VARIABLE_ASSIGNMENT|[{}]|session|{{\"Id\":null,\"Status\":\"Waiting\",\"Origin\":\"InboundInitiated\",\"n\":{i}}}|0x6b1a{:04x}", i % 200, i % 65536)),
            6 => line(&mut s, &format!("USER_DEBUG|[{}]|DEBUG|enriching session {i}: region=EMEA tier=Bronze contact=null", i % 200)),
            7 => line(&mut s, &format!("USER_DEBUG|[{}]|DEBUG|payload {i}\n  {{\"items\": [1, 2, 3],\n   \"note\": \"line two of a multi-line debug\"}}", i % 200)),
            8 => line(&mut s, &format!("HEAP_ALLOCATE|[{}]|Bytes:{}", i % 200, 8 + i % 120)),
            _ => line(&mut s, &format!("METHOD_EXIT|[{}]|01p5g000000HndlAAA|MessagingSessionHandler.enrich(List<MessagingSession>)", i % 200)),
        }
    }
    line(
        &mut s,
        "EXCEPTION_THROWN|[12]|System.NullPointerException: Attempt to de-reference a null object",
    );
    line(&mut s, "FATAL_ERROR|System.NullPointerException: Attempt to de-reference a null object\n\nClass.MessagingSessionHandler.route: line 12, column 1\nTrigger.BusyTrigger: line 3, column 1");
    line(&mut s, "CODE_UNIT_FINISHED|BusyTrigger on MessagingSession trigger event BeforeInsert|__sfdc_trigger/BusyTrigger");
    let dml = "System.DmlException: Insert failed. First exception on row 0; first error: CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY, BusyTrigger: execution of BeforeInsert\n\ncaused by: System.NullPointerException: Attempt to de-reference a null object\n\nClass.MessagingSessionHandler.route: line 12, column 1\nTrigger.BusyTrigger: line 3, column 1: []";
    line(&mut s, &format!("EXCEPTION_THROWN|[EXTERNAL]|{dml}"));
    line(&mut s, &format!("FATAL_ERROR|{dml}"));
    line(&mut s, "DML_END|[EXTERNAL]");
    line(&mut s, "CODE_UNIT_FINISHED|DML Insert MessagingSession");
    line(&mut s, "EXECUTION_FINISHED");
    s
}
