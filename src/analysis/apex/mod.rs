//! Apex lexer and trigger analyser (in progress).
