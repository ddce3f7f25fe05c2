//! A checked, open folder and the file operations done relative to it.

use std::ffi::CString;
use std::fs::{File, Metadata, Permissions};
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::check::{UnsafeFolder, check_folder, euid};

/// A folder opened without following a symlink and checked with
/// [`check_folder`]. Files are opened, renamed and removed relative to the
/// open folder, never through its path again, so replacing the folder or a
/// parent after the check cannot redirect a write.
#[derive(Debug)]
pub struct SafeDir {
    path: PathBuf,
    fd: File,
}

/// Identity and size of a file in a [`SafeDir`] (from `lstat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileId {
    /// Device.
    pub dev: u64,
    /// Inode.
    pub ino: u64,
    /// Size in bytes.
    pub len: u64,
}

fn c_name(name: &str) -> io::Result<CString> {
    if name.is_empty() || name == "." || name == ".." || name.contains('/') {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("`{name}` is not a plain file name"),
        ));
    }
    CString::new(name)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "NUL in a file name"))
}

fn cvt(rc: libc::c_int) -> io::Result<libc::c_int> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(rc)
    }
}

fn random_suffix() -> io::Result<String> {
    let mut buf = [0u8; 12];
    // SAFETY: `buf` is a valid, writable buffer of the length passed
    // (getentropy allows up to 256 bytes).
    cvt(unsafe { libc::getentropy(buf.as_mut_ptr().cast(), buf.len()) })?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

impl SafeDir {
    /// Opens the existing folder `path` and checks it.
    pub fn open(path: impl Into<PathBuf>) -> io::Result<Self> {
        let path = path.into();
        let fd = Self::open_fd(&path)?;
        check_folder(&path, &fd.metadata()?)?;
        Ok(Self { path, fd })
    }

    /// Opens the folder at `path` without following a symlink there.
    fn open_fd(path: &Path) -> io::Result<File> {
        let c_path = CString::new(path.as_os_str().as_bytes())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "NUL in a path"))?;
        // SAFETY: a valid NUL-terminated path; the flags open no file for writing.
        let rc = unsafe {
            libc::open(
                c_path.as_ptr(),
                libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC,
            )
        };
        if rc < 0 {
            let err = io::Error::last_os_error();
            // ELOOP (Linux) / ENOTDIR: the last component is a symlink or a file.
            if let Ok(meta) = std::fs::symlink_metadata(path) {
                check_folder(path, &meta)?;
            }
            return Err(err);
        }
        // SAFETY: `rc` is a file descriptor we just opened and own.
        Ok(unsafe { File::from_raw_fd(rc) })
    }

    /// Opens `path`, creating it with `mode` (exactly, whatever the umask)
    /// when missing; missing parents are created with mode 0755. An existing
    /// folder keeps its mode but must pass the check.
    pub fn create(path: impl Into<PathBuf>, mode: u32) -> io::Result<Self> {
        let path = path.into();
        if std::fs::symlink_metadata(&path).is_err() {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)?;
            }
            let mut builder = std::fs::DirBuilder::new();
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, mode);
            match builder.create(&path) {
                // The umask may have changed the mode: set it exactly, on
                // the folder itself (never through a symlink).
                Ok(()) => Self::open_fd(&path)?.set_permissions(Permissions::from_mode(mode))?,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
        Self::open(path)
    }

    /// The folder's path (for messages).
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn raw(&self) -> libc::c_int {
        self.fd.as_raw_fd()
    }

    fn openat(&self, name: &str, flags: libc::c_int, mode: u32) -> io::Result<File> {
        let c = c_name(name)?;
        // SAFETY: a valid directory descriptor and NUL-terminated name; the
        // mode is only read with O_CREAT.
        let rc = unsafe {
            libc::openat(
                self.raw(),
                c.as_ptr(),
                flags | libc::O_NOFOLLOW | libc::O_CLOEXEC,
                mode as libc::c_uint,
            )
        };
        match cvt(rc) {
            // SAFETY: `fd` was just opened and is owned by the new File.
            Ok(fd) => Ok(unsafe { File::from_raw_fd(fd) }),
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
                let path = self.path.join(name);
                Err(UnsafeFolder::new(
                    &path,
                    "it is a symbolic link (Sesame does not follow one here)".to_owned(),
                    format!("remove the link (`sudo rm {}`)", path.display()),
                )
                .into())
            }
            Err(e) => Err(e),
        }
    }

    /// The metadata of `file` (opened as `name`), refused unless it is a
    /// regular file.
    fn regular(&self, name: &str, file: &File) -> io::Result<Metadata> {
        let meta = file.metadata()?;
        if !meta.is_file() {
            let path = self.path.join(name);
            return Err(UnsafeFolder::new(
                &path,
                "it is not a regular file".to_owned(),
                format!("move {} away", path.display()),
            )
            .into());
        }
        Ok(meta)
    }

    fn check_file(&self, name: &str, file: &File) -> io::Result<()> {
        let meta = self.regular(name, file)?;
        let path = self.path.join(name);
        if meta.uid() != 0 && meta.uid() != euid() {
            return Err(UnsafeFolder::new(
                &path,
                format!("it is owned by uid {}, not by root", meta.uid()),
                format!("move {} away and let Sesame recreate it", path.display()),
            )
            .into());
        }
        Ok(())
    }

    /// Creates `name` with exactly `mode`; fails if it exists (even as a
    /// symlink).
    pub fn create_new(&self, name: &str, mode: u32) -> io::Result<File> {
        let file = self.openat(name, libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL, mode)?;
        file.set_permissions(Permissions::from_mode(mode))?;
        Ok(file)
    }

    /// Opens `name` for appending, creating it with exactly `mode` when
    /// missing. A symlink, a non-regular file, or a file owned by another
    /// user is refused.
    pub fn open_append(&self, name: &str, mode: u32) -> io::Result<File> {
        match self.openat(
            name,
            libc::O_WRONLY | libc::O_APPEND | libc::O_CREAT | libc::O_EXCL,
            mode,
        ) {
            Ok(file) => {
                file.set_permissions(Permissions::from_mode(mode))?;
                Ok(file)
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                let file = self.openat(name, libc::O_WRONLY | libc::O_APPEND, 0)?;
                self.check_file(name, &file)?;
                Ok(file)
            }
            Err(e) => Err(e),
        }
    }

    /// The file `name`'s identity and size, `None` when missing (a symlink
    /// is described, not followed).
    pub fn stat(&self, name: &str) -> io::Result<Option<FileId>> {
        let c = c_name(name)?;
        // SAFETY: zeroed `stat` is a valid out-buffer for fstatat.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: valid descriptor, name and out-pointer.
        let rc =
            unsafe { libc::fstatat(self.raw(), c.as_ptr(), &mut st, libc::AT_SYMLINK_NOFOLLOW) };
        match cvt(rc) {
            Ok(_) => Ok(Some(FileId {
                dev: st.st_dev as u64,
                ino: st.st_ino as u64,
                len: st.st_size as u64,
            })),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The folder's own metadata (from the open descriptor, so it describes
    /// the folder that was checked, whatever is at its path now).
    pub fn metadata(&self) -> io::Result<Metadata> {
        self.fd.metadata()
    }

    /// Reads the regular file `name` (never through a symlink), at most
    /// `limit` bytes, with its metadata so the caller can decide whether to
    /// trust who owns it and who can write it. `None` when it is missing;
    /// a symlink, a non-regular file or a longer file is an error.
    pub fn read_file(&self, name: &str, limit: u64) -> io::Result<Option<(Metadata, Vec<u8>)>> {
        let mut file = match self.openat(name, libc::O_RDONLY, 0) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let meta = self.regular(name, &file)?;
        let path = self.path.join(name);
        if meta.len() > limit {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{} is larger than {limit} bytes", path.display()),
            ));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
        (&mut file).take(limit + 1).read_to_end(&mut bytes)?;
        if bytes.len() as u64 > limit {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{} is larger than {limit} bytes", path.display()),
            ));
        }
        Ok(Some((meta, bytes)))
    }

    /// Renames `from` to `to` inside the folder (replacing `to`).
    pub fn rename(&self, from: &str, to: &str) -> io::Result<()> {
        let (f, t) = (c_name(from)?, c_name(to)?);
        // SAFETY: valid descriptors and NUL-terminated names.
        cvt(unsafe { libc::renameat(self.raw(), f.as_ptr(), self.raw(), t.as_ptr()) }).map(drop)
    }

    /// Removes `name`; `Ok(false)` when it did not exist.
    pub fn remove(&self, name: &str) -> io::Result<bool> {
        let c = c_name(name)?;
        // SAFETY: valid descriptor and name; unlinkat never follows a symlink.
        match cvt(unsafe { libc::unlinkat(self.raw(), c.as_ptr(), 0) }) {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Flushes the folder's entries (after a create, rename or remove).
    pub fn sync(&self) -> io::Result<()> {
        self.fd.sync_all()
    }

    /// Writes `name` whole or not at all, with exactly `mode`: a temporary
    /// file with an unpredictable name created with `O_EXCL`, fsync, rename
    /// over `name` (a symlink there is replaced, never followed), fsync the
    /// folder. A reader sees the old file or the new one, never half.
    pub fn write_atomic(&self, name: &str, bytes: &[u8], mode: u32) -> io::Result<()> {
        c_name(name)?;
        let tmp = format!(".{name}.{}.tmp", random_suffix()?);
        let result = (|| {
            let mut f = self.create_new(&tmp, mode)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            self.rename(&tmp, name)
        })();
        if result.is_err() {
            let _ = self.remove(&tmp);
        }
        result?;
        self.sync()
    }

    /// Takes an exclusive lock on the lock file `name` (created with mode
    /// 0600), held until the returned [`LockFile`] is dropped.
    pub fn lock(&self, name: &str) -> io::Result<LockFile> {
        let file = match self.openat(name, libc::O_RDWR | libc::O_CREAT | libc::O_EXCL, 0o600) {
            Ok(f) => {
                f.set_permissions(Permissions::from_mode(0o600))?;
                f
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                let f = self.openat(name, libc::O_RDWR, 0)?;
                self.check_file(name, &f)?;
                f
            }
            Err(e) => return Err(e),
        };
        file.lock()?;
        Ok(LockFile(file))
    }
}

/// An exclusive advisory lock (`flock`), released when dropped (or when the
/// process dies).
#[derive(Debug)]
pub struct LockFile(File);

impl Drop for LockFile {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

fn split(path: &Path) -> io::Result<(&Path, &str)> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidInput, "path has no usable file name")
    })?;
    Ok((dir, name))
}

/// Writes `path` atomically with exactly `mode` (see
/// [`SafeDir::write_atomic`]), creating its folder with mode 0700 when
/// missing. The folder must pass [`check_folder`].
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let (dir, name) = split(path)?;
    SafeDir::create(dir, 0o700)?.write_atomic(name, bytes, mode)
}

/// Removes `path` if it exists and flushes its folder.
pub fn remove_durably(path: &Path) -> io::Result<()> {
    let (dir, name) = split(path)?;
    let dir = match SafeDir::open(dir) {
        Ok(d) => d,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    if dir.remove(name)? {
        dir.sync()?;
    }
    Ok(())
}
