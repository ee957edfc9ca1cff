//! NUT_CONFPATH is honoured. Alone in its own test binary because it sets a process-wide variable.

use nut_config::dir::DirSource;
use nut_config::ConfigDir;

#[test]
fn nut_confpath_is_honoured() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("nut.conf"), "MODE=standalone\n").unwrap();
    std::env::set_var("NUT_CONFPATH", dir.path());
    let c = ConfigDir::load_default();
    assert_eq!(c.source, DirSource::Env);
    assert_eq!(c.dir, dir.path());
    assert_eq!(
        c.nut_conf.view().map(|v| v.mode.as_str()),
        Some("standalone")
    );
    std::env::set_var("NUT_CONFPATH", "");
    assert_eq!(ConfigDir::default_dir().1, DirSource::Default);
}
