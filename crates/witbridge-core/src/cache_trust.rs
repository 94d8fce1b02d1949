//! Whether the compile cache may be trusted with machine code.
//!
//! An entry in the cache is native code that witbridge maps and runs. Its
//! checksum proves the bytes are intact, not who wrote them: anyone who can
//! write the directory (or replace an entry) can make every later `load()`
//! run their code. So, as ssh does with `~/.ssh`, the cache is used only if
//! the directory and each entry belong to the user running witbridge (or to
//! root) and no one else may write them. Anything else is refused with the
//! reason, and witbridge compiles without the cache.

use std::fs::Metadata;
use std::path::Path;

/// Why `dir` can't hold trusted machine code, or `Ok` if it can (or doesn't
/// exist yet: it is then created private to this user).
pub fn check_dir(dir: &Path) -> Result<(), String> {
    match std::fs::metadata(dir) {
        Ok(meta) if !meta.is_dir() => Err(format!("{} is not a directory", dir.display())),
        Ok(meta) => check_owner("the directory", dir, &meta),
        // Missing, or unreachable: nothing can be read from it, so there is
        // nothing to distrust; writing it fails softly or creates it private.
        Err(_) => Ok(()),
    }
}

/// Why the entry at `path`, whose metadata is `meta` (taken from the open
/// file, so that it describes the bytes about to be read), can't be
/// trusted.
pub fn check_entry(path: &Path, meta: &Metadata) -> Result<(), String> {
    check_owner("the entry", path, meta)
}

#[cfg(unix)]
fn check_owner(what: &str, path: &Path, meta: &Metadata) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;

    // SAFETY: geteuid has no preconditions and can't fail.
    let me = unsafe { libc::geteuid() };
    let owner = meta.uid();
    if owner != me && owner != 0 {
        return Err(format!(
            "{what} {} belongs to user {owner}, not to you (user {me})",
            path.display()
        ));
    }
    let mode = meta.mode() & 0o777;
    if mode & 0o022 != 0 {
        return Err(format!(
            "{what} {} can be written by other users (mode {mode:03o}); \
             `chmod go-w` it to use it",
            path.display()
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_owner(_what: &str, _path: &Path, _meta: &Metadata) -> Result<(), String> {
    // Windows keeps the per-user cache under the profile, whose ACLs are the
    // user's own; there is no mode to read here.
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn a_private_directory_is_trusted() {
        let dir = std::env::temp_dir().join(format!("wb-trust-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        assert_eq!(check_dir(&dir), Ok(()));
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        let refused = check_dir(&dir).unwrap_err();
        assert!(refused.contains("mode 777"), "{refused}");
        std::fs::remove_dir(&dir).unwrap();
    }

    #[test]
    fn a_missing_directory_is_fine_and_a_file_is_not() {
        assert_eq!(check_dir(Path::new("/nonexistent/witbridge-cache")), Ok(()));
        assert!(check_dir(Path::new("/etc/passwd")).is_err());
    }

    #[test]
    fn root_owned_directories_are_trusted() {
        // /usr is root's and not writable by others on every Unix we run on.
        assert_eq!(check_dir(Path::new("/usr")), Ok(()));
    }
}
