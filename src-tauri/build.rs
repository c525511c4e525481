//! Build script: Tauri's code generation plus the app manifest that gives every app
//! command its own permission (`allow-<command>`), so a capability must grant each one.
//!
//! The command list must match the commands registered in `src/lib.rs`; a test checks
//! that it does, and that the main window's capability grants all of them.

fn main() {
    let commands: Vec<&'static str> = include_str!("commands.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    // tauri-build wants the list for 'static; the build script ends right after.
    let commands: &'static [&'static str] = Box::leak(commands.into_boxed_slice());
    println!("cargo:rerun-if-changed=commands.txt");
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(commands)),
    )
    .expect("tauri-build failed");
}
