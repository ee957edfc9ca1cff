//! Credentials: a user name and a password from a file, an environment variable or a terminal
//! prompt. A password on the command line works but is warned about. The password lives in
//! nut-proto's [`Secret`], whose `Debug`/`Display` never show it; nothing here prints it.

use std::io::IsTerminal;

use anyhow::{bail, Context as _};
use nut_proto::client::Client;
use nut_proto::Secret;

use crate::cli::CredentialArgs;

/// A user and their password.
#[derive(Debug)]
pub(crate) struct Credentials {
    /// The upsd.users section name.
    pub(crate) user: String,
    /// The secret (never printed).
    pub(crate) password: Secret,
}

impl Credentials {
    /// Resolves the arguments: `None` when no `--user` was given.
    pub(crate) fn from_args(a: &CredentialArgs) -> anyhow::Result<Option<Credentials>> {
        let Some(user) = a.user.clone() else {
            return Ok(None);
        };
        let given = [
            a.password_file.is_some(),
            a.password_env.is_some(),
            a.password.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if given > 1 {
            bail!("give the password one way only: --password-file, --password-env or --password");
        }
        let password = if let Some(path) = &a.password_file {
            // Regular files only (a FIFO or /dev/zero would hang or fill memory), at most 64 KiB.
            let bytes = nut_proto::safe_file::read_regular(path, 64 * 1024)
                .context("cannot read the password file")?;
            let text = String::from_utf8(bytes)
                .with_context(|| format!("password file {} is not UTF-8", path.display()))?;
            let first = text.lines().next().unwrap_or_default();
            Secret::new(first.trim_end_matches('\r'))
        } else if let Some(var) = &a.password_env {
            match std::env::var(var) {
                Ok(v) => Secret::new(v),
                Err(_) => bail!("environment variable {var} is not set (or not UTF-8)"),
            }
        } else if let Some(pw) = &a.password {
            eprintln!(
                "nutctl: warning: a password on the command line can be read by other users (ps) \
                 and stays in shell history; prefer --password-file, --password-env or the prompt"
            );
            pw.clone()
        } else if std::io::stdin().is_terminal() {
            let pw = rpassword::prompt_password(format!("Password for {user}: "))
                .context("cannot read the password from the terminal")?;
            Secret::new(pw)
        } else {
            bail!(
                "--user {user} needs a password: --password-file FILE, --password-env VAR, \
                 or run on a terminal to be prompted"
            );
        };
        Ok(Some(Credentials { user, password }))
    }

    /// Requires credentials for an action that upsd only allows to a known user.
    pub(crate) fn required(a: &CredentialArgs, what: &str) -> anyhow::Result<Credentials> {
        match Credentials::from_args(a)? {
            Some(c) => Ok(c),
            None => bail!("{what} needs a user from upsd.users: add --user NAME (the password is then read from --password-file, --password-env or a prompt)"),
        }
    }

    /// Sends USERNAME and PASSWORD.
    pub(crate) async fn send(&self, client: &mut Client) -> anyhow::Result<()> {
        client
            .authenticate(&self.user, &self.password)
            .await
            .with_context(|| format!("authenticating as {}", self.user))
    }
}
