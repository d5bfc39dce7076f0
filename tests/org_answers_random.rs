//! Whatever the org answers, the org checks never panic, stop planning within `MAX_ROUNDS`
//! rounds, plan only requests within the platform rules, and the diagnosis shows no link
//! outside the Salesforce host families: a seeded randomized run of the property that
//! fuzz/fuzz_targets/org_answers.rs checks under cargo-fuzz (same driver, tests/support/).
//! `ORG_ANSWERS_CASES` sets the number of cases (default 2000), `ORG_ANSWERS_SEED` the seed.

#[path = "support/org_answers.rs"]
mod org_answers;

/// splitmix64: a fixed, dependency-free byte stream per case.
fn bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        out.extend_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    out.truncate(len);
    out
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn org_answers_never_break_the_checks() {
    let cases = env("ORG_ANSWERS_CASES", 2000);
    let seed = env("ORG_ANSWERS_SEED", 0x0A6_5EED);
    // Cases per number of rounds planned: the answers must drive the planner past its
    // first two rounds (retries without a column, next pages) for the bound to be tested.
    let mut by_rounds = [0u64; 8];
    for case in 0..cases {
        let case_seed = seed ^ case.wrapping_mul(0x2545_F491_4F6C_DD1D);
        // Short inputs run out early (then zeros: well-formed answers, 200 everywhere), long
        // ones are fuzzed all the way.
        let len = [64usize, 256, 1024, 4096][(case % 4) as usize];
        let data = bytes(case_seed, len);
        // Huge strings of 64 KB in one case in 50, 4 KB otherwise (debug-mode time).
        let huge = if case % 50 == 7 { 1 << 16 } else { 1 << 12 };
        let result = std::panic::catch_unwind(|| org_answers::run_with(&data, huge));
        if let Ok(rounds) = result {
            by_rounds[rounds.min(7)] += 1;
        }
        if let Err(e) = result {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            panic!("case {case} (ORG_ANSWERS_SEED={seed}, {len} bytes) failed: {msg}");
        }
    }
    eprintln!("cases by rounds planned: {by_rounds:?}");
    if cases >= 1000 {
        assert!(
            by_rounds[3..].iter().sum::<u64>() > 0,
            "no case went past two rounds: {by_rounds:?}"
        );
    }
}
