//! The `coffer-desktop` binary: opens the Coffer window, or with
//! `--export-bindings <path>` writes the TypeScript bindings and exits before any window
//! exists (the UI build and the drift test use it).

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    let mut args = std::env::args().skip(1);
    if let Some(flag) = args.next() {
        if flag == "--export-bindings" {
            let Some(path) = args.next() else {
                eprintln!("usage: coffer-desktop --export-bindings <path>");
                std::process::exit(2);
            };
            match coffer_desktop::export_bindings(std::path::Path::new(&path)) {
                Ok(()) => {
                    println!("wrote {path}");
                    return;
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    std::process::exit(1);
                }
            }
        }
    }
    coffer_desktop::run();
}
