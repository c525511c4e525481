//! coffer CLI
fn main() {}
