//! Who may do what. The facilitator's controls need the facilitator token, drawn at start from
//! the operating system's random source and printed in the console's address. When the server
//! listens beyond this machine (`--bind 0.0.0.0` for a classroom network) the live views need a
//! join code too, random unless given, printed at start and shown on the console and the
//! projector; teams with it can only propose. Tokens travel in a request header, or in the
//! query of the two requests a browser cannot add headers to (the event stream and a
//! download). Comparisons take the same time whatever matches.

use std::net::IpAddr;

/// Letters and digits that cannot be mistaken for one another when read off a projector.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
/// Characters in a random join code (40 bits), shown as two groups of four.
const CODE_CHARS: usize = 8;
/// A join code given with `--join-code` has at least this many letters and digits.
pub const CODE_MIN_CHARS: usize = 6;

/// The header that carries the facilitator token.
pub const TOKEN_HEADER: &str = "x-blastradius-token";
/// The header that carries the join code.
pub const CODE_HEADER: &str = "x-blastradius-code";

#[derive(Clone, Debug)]
pub struct Access {
    pub facilitator_token: String,
    /// `None`: the live views are open to anyone who can reach the server (this machine only,
    /// by default).
    pub join_code: Option<String>,
}

/// What a request may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Facilitator,
    /// A projector or a team: read the public state, propose.
    Room,
}

/// Random bytes from the operating system.
fn random_bytes<const N: usize>() -> Result<[u8; N], String> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| format!("no random numbers from the system: {e}"))?;
    Ok(bytes)
}

/// A facilitator token: 128 random bits in hex.
pub fn new_token() -> Result<String, String> {
    Ok(random_bytes::<16>()?.iter().map(|b| format!("{b:02x}")).collect())
}

/// A random join code such as `K7QM-2X9P`.
pub fn new_join_code() -> Result<String, String> {
    let bytes = random_bytes::<CODE_CHARS>()?;
    let chars: String = bytes
        .iter()
        .map(|b| CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()] as char)
        .collect();
    Ok(format!("{}-{}", &chars[..4], &chars[4..]))
}

/// A join code as compared: upper case, letters and digits only (`k7qm 2x9p` is `K7QM2X9P`).
pub fn normalise_code(code: &str) -> String {
    code.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect()
}

/// Checks a join code given with `--join-code`.
pub fn check_join_code(code: &str) -> Result<String, String> {
    let letters = normalise_code(code);
    if letters.len() < CODE_MIN_CHARS {
        return Err(format!(
            "--join-code {code:?}: a join code needs at least {CODE_MIN_CHARS} letters or \
             digits\n  hint: leave --join-code out for a random one"
        ));
    }
    if code.chars().any(|c| !(c.is_ascii_alphanumeric() || c == '-')) {
        return Err(format!(
            "--join-code {code:?}: use letters, digits and `-` only\n  hint: e.g. --join-code \
             ROOM-4B"
        ));
    }
    Ok(code.to_ascii_uppercase())
}

/// Equal strings, compared in a time that depends only on their lengths.
fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Access {
    /// The role a request's token and code give it, if any.
    pub fn role(&self, token: Option<&str>, code: Option<&str>) -> Option<Role> {
        if token.is_some_and(|t| same(t, &self.facilitator_token)) {
            return Some(Role::Facilitator);
        }
        match &self.join_code {
            None => Some(Role::Room),
            Some(expected) => code
                .is_some_and(|c| same(&normalise_code(c), &normalise_code(expected)))
                .then_some(Role::Room),
        }
    }
}

/// Whether an address reaches only this machine.
pub fn is_loopback(ip: IpAddr) -> bool {
    ip.is_loopback()
}

/// Whether a request's `Host` names this server by an address or as `localhost` (or as the
/// name it was told to bind). A page on another site that has its name point here (DNS
/// rebinding) sends its own name, and is refused.
pub fn host_allowed(host: &str, bound_name: Option<&str>) -> bool {
    let name = match host.strip_prefix('[') {
        // `[::1]:8080`
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(h, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) { h } else { host }
        }),
    };
    name.parse::<IpAddr>().is_ok()
        || name.eq_ignore_ascii_case("localhost")
        || bound_name.is_some_and(|b| name.eq_ignore_ascii_case(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_random_readable_and_compared_loosely() {
        let (a, b) = (new_join_code().unwrap(), new_join_code().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.len(), 9);
        assert!(a.chars().all(|c| c == '-' || CODE_ALPHABET.contains(&(c as u8))), "{a}");
        let access = Access { facilitator_token: new_token().unwrap(), join_code: Some(a.clone()) };
        assert_eq!(access.role(None, Some(&a.to_lowercase().replace('-', " "))), Some(Role::Room));
        assert_eq!(access.role(None, Some("WRONG-CODE")), None);
        assert_eq!(access.role(None, None), None);
        assert_eq!(access.role(Some(&access.facilitator_token), None), Some(Role::Facilitator));
        assert_eq!(access.role(Some("0123"), Some(&a)), Some(Role::Room));
    }

    #[test]
    fn tokens_are_128_bits_of_hex() {
        let t = new_token().unwrap();
        assert_eq!(t.len(), 32);
        assert!(t.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(t, new_token().unwrap());
    }

    #[test]
    fn given_join_codes_are_checked() {
        assert!(check_join_code("").is_err());
        assert!(check_join_code("abc").is_err());
        assert!(check_join_code("room 4b!").is_err());
        assert_eq!(check_join_code("room-4b7"), Ok("ROOM-4B7".to_string()));
    }

    #[test]
    fn only_addresses_and_localhost_are_hosts() {
        for ok in ["127.0.0.1:8080", "localhost:8080", "[::1]:8080", "192.168.1.20:80", "localhost"]
        {
            assert!(host_allowed(ok, None), "{ok}");
        }
        for bad in ["evil.example:8080", "example.com", ""] {
            assert!(!host_allowed(bad, None), "{bad}");
        }
        assert!(host_allowed("classroom.local:8080", Some("classroom.local")));
    }
}
