//! The committed TypeScript bindings match the commands; `UPDATE_BINDINGS=1` rewrites them.

use std::path::Path;

#[test]
fn committed_bindings_match_the_commands() {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings.ts");
    let dir = tempfile::tempdir().expect("tempdir");
    let fresh = dir.path().join("bindings.ts");
    switchboard_app::export_bindings(&fresh).expect("export");
    let fresh = std::fs::read_to_string(&fresh).expect("read fresh");
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&committed, &fresh).expect("write bindings");
    }
    let old = std::fs::read_to_string(&committed).unwrap_or_default();
    assert!(
        old == fresh,
        "ui/src/bindings.ts is out of date: run `UPDATE_BINDINGS=1 cargo test -p switchboard --test bindings`"
    );
}
