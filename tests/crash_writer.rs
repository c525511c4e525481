//! Crash-test child: placeholder until the crash test lands (replaced by the crash test).
fn main() {}
