//! The Hub access token: resolved from the flag, then the environment, then the token file, and
//! never shown (its `Debug` and `Display` redact it).

use std::fmt;
use std::path::PathBuf;

use super::HubError;

/// A Hub access token. Its text leaves this type only through [`Token::bearer`], which builds the
/// header value (marked sensitive so that HTTP logs redact it too).
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Where the token came from (printable: never the token itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenSource {
    Flag,
    EnvHfToken,
    File(PathBuf),
}

impl fmt::Display for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Flag => f.write_str("--token"),
            Self::EnvHfToken => f.write_str("HF_TOKEN"),
            Self::File(path) => write!(f, "{}", path.display()),
        }
    }
}

impl Token {
    /// A token from its text; `None` when the text is blank.
    #[must_use]
    pub fn new(text: &str) -> Option<Self> {
        let text = text.trim();
        (!text.is_empty()).then(|| Self(text.to_owned()))
    }

    /// The `Authorization` header value, marked sensitive.
    pub(crate) fn bearer(&self) -> Result<reqwest::header::HeaderValue, HubError> {
        let mut value = reqwest::header::HeaderValue::from_str(&format!("Bearer {}", self.0))
            .map_err(|_| HubError::TokenInvalid)?;
        value.set_sensitive(true);
        Ok(value)
    }

    /// Resolves the token like `huggingface_hub`: `explicit` (the `--token` flag), else
    /// `HF_TOKEN`, else the file at `HF_TOKEN_PATH`, else `$HF_HOME/token` (`HF_HOME` defaulting
    /// to `~/.cache/huggingface`). `HF_HUB_DISABLE_IMPLICIT_TOKEN` (any value but empty, `0`,
    /// `false`) disables every lookup but the flag. `env` reads a variable (the process
    /// environment in the binary, a table in tests); `home` is the user's home directory.
    pub fn resolve(
        explicit: Option<&str>,
        env: &dyn Fn(&str) -> Option<String>,
        home: Option<PathBuf>,
    ) -> Result<Option<(Self, TokenSource)>, HubError> {
        if let Some(token) = explicit.and_then(Self::new) {
            return Ok(Some((token, TokenSource::Flag)));
        }
        let disabled = env("HF_HUB_DISABLE_IMPLICIT_TOKEN").is_some_and(|value| {
            !matches!(
                value.trim().to_ascii_lowercase().as_str(),
                "" | "0" | "false" | "no" | "off"
            )
        });
        if disabled {
            return Ok(None);
        }
        if let Some(token) = env("HF_TOKEN").as_deref().and_then(Self::new) {
            return Ok(Some((token, TokenSource::EnvHfToken)));
        }
        let path = match env("HF_TOKEN_PATH").filter(|p| !p.is_empty()) {
            Some(path) => PathBuf::from(path),
            None => match env("HF_HOME").filter(|p| !p.is_empty()) {
                Some(hf_home) => PathBuf::from(hf_home).join("token"),
                None => match home {
                    Some(home) => home.join(".cache").join("huggingface").join("token"),
                    None => return Ok(None),
                },
            },
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(Self::new(&text).map(|token| (token, TokenSource::File(path)))),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(HubError::TokenFile { path, source }),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn token_text_never_formats() {
        let token = Token::new(" hf_secret\n").unwrap();
        assert_eq!(format!("{token:?}"), "Token(<redacted>)");
        assert_eq!(format!("{token}"), "<redacted>");
        assert!(token.bearer().unwrap().is_sensitive());
        assert_eq!(
            token.bearer().unwrap().to_str().unwrap(),
            "Bearer hf_secret"
        );
    }

    type Case<'a> = (
        Option<&'a str>,
        Vec<(&'a str, &'a str)>,
        Option<TokenSource>,
    );

    #[test]
    fn resolution_order() {
        let dir = tempfile::tempdir().unwrap();
        let hf_home = dir.path().join("hf");
        std::fs::create_dir_all(&hf_home).unwrap();
        std::fs::write(hf_home.join("token"), "hf_file\n").unwrap();
        let other = dir.path().join("other-token");
        std::fs::write(&other, "hf_path").unwrap();
        let hf_home_text = hf_home.to_str().unwrap();
        let other_text = other.to_str().unwrap();
        let none = dir.path().join("none");
        let none_text = none.to_str().unwrap();
        let cases: Vec<Case<'_>> = vec![
            (
                Some("hf_flag"),
                vec![("HF_TOKEN", "hf_env")],
                Some(TokenSource::Flag),
            ),
            (
                None,
                vec![("HF_TOKEN", "hf_env")],
                Some(TokenSource::EnvHfToken),
            ),
            (
                None,
                vec![("HF_TOKEN_PATH", other_text), ("HF_HOME", hf_home_text)],
                Some(TokenSource::File(other.clone())),
            ),
            (
                None,
                vec![("HF_HOME", hf_home_text)],
                Some(TokenSource::File(hf_home.join("token"))),
            ),
            (
                None,
                vec![
                    ("HF_HOME", hf_home_text),
                    ("HF_HUB_DISABLE_IMPLICIT_TOKEN", "1"),
                ],
                None,
            ),
            (
                Some("hf_flag"),
                vec![("HF_HUB_DISABLE_IMPLICIT_TOKEN", "1")],
                Some(TokenSource::Flag),
            ),
            (
                None,
                vec![
                    ("HF_HOME", hf_home_text),
                    ("HF_HUB_DISABLE_IMPLICIT_TOKEN", "0"),
                ],
                Some(TokenSource::File(hf_home.join("token"))),
            ),
            (None, vec![("HF_HOME", none_text)], None),
            (None, vec![], None),
        ];
        for (explicit, env, expected) in cases {
            let resolved = Token::resolve(explicit, &env_of(&env), None).unwrap();
            assert_eq!(
                resolved.map(|(_, source)| source),
                expected,
                "{explicit:?} {env:?}"
            );
        }
        // No variables and an empty home: no token.
        let resolved = Token::resolve(None, &env_of(&[]), Some(dir.path().join("home"))).unwrap();
        assert!(resolved.is_none());
    }
}
