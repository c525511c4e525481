//! Rebuild when a migration is added: `sqlx::migrate!` embeds files with `include_str!`,
//! which does not notice new files (crate-notes §3).
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
