//! Credential rules **(our rules)** and password hashing.
//!
//! The checks are pure: each returns the normalised value or a bilingual message that names what
//! is wrong. Hashing is argon2id; it runs on the blocking thread pool.

use crate::domain::ids::Uscc;
use crate::domain::text::Text;
use crate::service::error::{ServiceError, ServiceResult};
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

pub const LOGIN_NAME_MIN: usize = 4;
pub const LOGIN_NAME_MAX: usize = 32;
pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 128;
/// Of lower case, upper case, digits and symbols, a password needs this many kinds.
pub const PASSWORD_KINDS: usize = 3;

/// Checks a login name: 4–32 characters of ASCII letters, digits and `_`, starting with a letter
/// (so never all digits), and not a USCC (a legal-person account logs in with its USCC anyway).
/// Returns it trimmed; uniqueness is case-insensitive (checked by the caller).
pub fn check_login_name(input: &str) -> Result<String, Text> {
    let name = input.trim();
    let len = name.chars().count();
    if len == 0 {
        return Err(Text::new("请输入登录名。", "Enter a login name."));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
    {
        return Err(Text::new(
            format!("登录名只能包含英文字母、数字和下划线，不能包含“{c}”。"),
            format!(
                "A login name may contain only letters (A–Z, a–z), digits and underscores, not \"{c}\"."
            ),
        ));
    }
    if !(LOGIN_NAME_MIN..=LOGIN_NAME_MAX).contains(&len) {
        return Err(Text::new(
            format!("登录名须为 {LOGIN_NAME_MIN}–{LOGIN_NAME_MAX} 个字符，当前为 {len} 个。"),
            format!(
                "A login name has {LOGIN_NAME_MIN}–{LOGIN_NAME_MAX} characters; this one has {len}."
            ),
        ));
    }
    if name.chars().all(|c| c.is_ascii_digit()) {
        return Err(Text::new(
            "登录名不能全部是数字。",
            "A login name cannot be all digits.",
        ));
    }
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Err(Text::new(
            "登录名须以英文字母开头。",
            "A login name must start with a letter.",
        ));
    }
    if Uscc::parse(name).is_ok() {
        return Err(Text::new(
            "登录名不能是统一社会信用代码；法人账户实名认证后可直接用统一社会信用代码登录。",
            "A login name cannot be a unified social credit code; a verified legal-person account \
             can log in with its code directly.",
        ));
    }
    Ok(name.to_string())
}

/// The case-insensitive key of a login name (the `login_key` column).
pub fn login_key(name: &str) -> String {
    name.trim().to_ascii_lowercase()
}

/// Checks a password: 8–128 characters, at least three kinds of lower case, upper case, digits and
/// symbols, not containing the login name. Every problem is named in one message.
pub fn check_password(password: &str, login_name: &str) -> Result<(), Text> {
    let len = password.chars().count();
    let mut zh = Vec::new();
    let mut en = Vec::new();
    if len < PASSWORD_MIN {
        zh.push(format!("密码至少 {PASSWORD_MIN} 位，当前 {len} 位"));
        en.push(format!(
            "a password needs at least {PASSWORD_MIN} characters; this one has {len}"
        ));
    } else if len > PASSWORD_MAX {
        zh.push(format!("密码最多 {PASSWORD_MAX} 位，当前 {len} 位"));
        en.push(format!(
            "a password has at most {PASSWORD_MAX} characters; this one has {len}"
        ));
    }
    if password.chars().any(char::is_control) {
        zh.push("密码不能包含控制字符".to_string());
        en.push("a password cannot contain control characters".to_string());
    }
    let kinds: [(bool, &str, &str); 4] = [
        (
            password.chars().any(char::is_lowercase),
            "小写字母",
            "lower-case letters",
        ),
        (
            password.chars().any(char::is_uppercase),
            "大写字母",
            "upper-case letters",
        ),
        (
            password.chars().any(|c| c.is_ascii_digit()),
            "数字",
            "digits",
        ),
        (
            password
                .chars()
                .any(|c| !c.is_alphanumeric() && !c.is_whitespace() && !c.is_control()),
            "符号",
            "symbols",
        ),
    ];
    let present = kinds.iter().filter(|k| k.0).count();
    if present < PASSWORD_KINDS {
        let missing_zh: Vec<&str> = kinds.iter().filter(|k| !k.0).map(|k| k.1).collect();
        let missing_en: Vec<&str> = kinds.iter().filter(|k| !k.0).map(|k| k.2).collect();
        zh.push(format!(
            "密码须包含小写字母、大写字母、数字、符号中的至少 {PASSWORD_KINDS} 类，当前只有 {present} 类，缺少：{}",
            missing_zh.join("、")
        ));
        en.push(format!(
            "a password needs at least {PASSWORD_KINDS} of lower-case letters, upper-case \
             letters, digits and symbols; it has {present}, missing {}",
            missing_en.join(", ")
        ));
    }
    let key = login_key(login_name);
    if !key.is_empty() && password.to_lowercase().contains(&key) {
        zh.push("密码不能包含登录名".to_string());
        en.push("a password cannot contain the login name".to_string());
    }
    if zh.is_empty() {
        Ok(())
    } else {
        let mut en = en.join("; ");
        if let Some(first) = en.get(..1) {
            en = first.to_uppercase() + &en[1..];
        }
        Err(Text::new(zh.join("；") + "。", en + "."))
    }
}

/// Checks a mainland mobile number `1[3-9]` + 9 digits; spaces, hyphens and a `+86` / `86`
/// prefix are removed. Returns the 11 digits.
pub fn check_phone(input: &str) -> Result<String, Text> {
    let mut s: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if let Some(rest) = s.strip_prefix("+86") {
        s = rest.to_string();
    } else if s.len() == 13 && s.starts_with("86") {
        s = s[2..].to_string();
    }
    let b = s.as_bytes();
    let ok = b.len() == 11
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
        && b.iter().all(u8::is_ascii_digit);
    if s.is_empty() {
        Err(Text::new("请输入手机号码。", "Enter a mobile number."))
    } else if ok {
        Ok(s)
    } else {
        Err(Text::new(
            format!(
                "手机号码应为 11 位、以 13–19 开头的中国大陆手机号，“{}”不符合。",
                input.trim()
            ),
            format!(
                "A mobile number has 11 digits starting with 13–19 (mainland China); \"{}\" is not one.",
                input.trim()
            ),
        ))
    }
}

/// Checks an e-mail address (one `@`, a dotted domain, no spaces, ≤ 254 characters). Returns it
/// trimmed with the domain in lower case.
pub fn check_email(input: &str) -> Result<String, Text> {
    let s = input.trim();
    let bad = || {
        Text::new(
            format!("电子邮箱格式不正确：“{s}”（应如 name@example.com）。"),
            format!("\"{s}\" is not an e-mail address (expected e.g. name@example.com)."),
        )
    };
    if s.is_empty() {
        return Err(Text::new("请输入电子邮箱。", "Enter an e-mail address."));
    }
    if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let (local, domain) = s.split_once('@').ok_or_else(bad)?;
    let labels_ok = domain.split('.').count() >= 2 && domain.split('.').all(|l| !l.is_empty());
    if local.is_empty() || local.len() > 64 || domain.contains('@') || !labels_ok {
        return Err(bad());
    }
    Ok(format!("{local}@{}", domain.to_lowercase()))
}

/// `13812345678` → `138****5678`.
pub fn mask_phone(phone: &str) -> String {
    if phone.len() == 11 && phone.is_ascii() {
        format!("{}****{}", &phone[..3], &phone[7..])
    } else {
        "****".to_string()
    }
}

/// `zhang.san@example.com` → `z***@example.com`.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_string(),
    }
}

/// The cost of password hashing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PasswordHashing {
    /// argon2id with the crate's default parameters (production).
    #[default]
    Default,
    /// argon2id with minimal memory and one pass: for tests and demo seeding only.
    Fast,
}

impl PasswordHashing {
    fn hasher(self) -> ServiceResult<Argon2<'static>> {
        let params = match self {
            PasswordHashing::Default => Params::default(),
            PasswordHashing::Fast => Params::new(8, 1, 1, None).map_err(ServiceError::internal)?,
        };
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }

    /// Hashes on the blocking pool; returns the PHC string.
    pub async fn hash(self, password: String) -> ServiceResult<String> {
        let hasher = self.hasher()?;
        tokio::task::spawn_blocking(move || {
            hasher
                .hash_password(password.as_bytes())
                .map(|h| h.to_string())
                .map_err(ServiceError::internal)
        })
        .await?
    }
}

/// Verifies a password against a stored PHC string (its own parameters apply) on the blocking
/// pool. A malformed stored hash verifies nothing (and is logged).
pub async fn verify_password(password: String, stored: String) -> ServiceResult<bool> {
    tokio::task::spawn_blocking(move || match PasswordHash::new(&stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(e) => {
            tracing::error!(error = %e, "stored password hash is malformed");
            false
        }
    })
    .await
    .map_err(ServiceError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_name_rules_name_the_problem() {
        assert_eq!(check_login_name("  zhang_san1 ").unwrap(), "zhang_san1");
        let err = |s: &str| check_login_name(s).unwrap_err();
        assert!(err("").zh.contains("请输入"));
        assert!(err("abc").zh.contains("4–32") && err("abc").en.contains("has 3"));
        assert!(err(&"a".repeat(33)).en.contains("33"));
        assert!(err("zhang-san").zh.contains("“-”"));
        assert!(err("张三abcd").zh.contains("“张”"));
        assert!(err("12345678").zh.contains("全部是数字"));
        assert!(err("_abcd").zh.contains("字母开头"));
        assert!(err("1abcd").en.contains("start with a letter"));
        // A string that parses as a USCC (its first character may be a letter).
        let uscc = format!(
            "A{}",
            &crate::domain::ids::Uscc::parse("91110108551385082Q")
                .unwrap()
                .as_str()[1..17]
        );
        let check = crate::domain::ids::uscc_check_char(&uscc).unwrap();
        let uscc = format!("{uscc}{check}");
        assert!(Uscc::parse(&uscc).is_ok());
        assert!(err(&uscc).zh.contains("统一社会信用代码"));
        assert_eq!(login_key("ZhangSan"), "zhangsan");
    }

    #[test]
    fn password_rules_name_what_is_missing() {
        assert!(check_password("Abcdef12", "zhangsan").is_ok());
        assert!(check_password("abc!def12", "zhangsan").is_ok());
        let e = check_password("abcdefgh", "zhangsan").unwrap_err();
        assert!(e.zh.contains("缺少：大写字母、数字、符号"), "{}", e.zh);
        assert!(
            e.en.contains("missing upper-case letters, digits, symbols"),
            "{}",
            e.en
        );
        let e = check_password("Ab1", "zhangsan").unwrap_err();
        assert_eq!(e.zh, "密码至少 8 位，当前 3 位。");
        // Several problems at once are all named.
        let e = check_password("abc", "zhangsan").unwrap_err();
        assert!(
            e.zh.contains("当前 3 位") && e.zh.contains("缺少：大写字母、数字、符号"),
            "{}",
            e.zh
        );
        let e = check_password("xZhangSan1!", "zhangsan").unwrap_err();
        assert!(e.zh.contains("不能包含登录名"), "{}", e.zh);
        assert!(
            e.en.starts_with("A password cannot contain the login name"),
            "{}",
            e.en
        );
        let e = check_password(&"Aa1!".repeat(40), "zhangsan").unwrap_err();
        assert!(e.zh.contains("最多 128 位"));
    }

    #[test]
    fn phone_and_email() {
        assert_eq!(check_phone("138 1234 5678").unwrap(), "13812345678");
        assert_eq!(check_phone("+86 138-1234-5678").unwrap(), "13812345678");
        assert_eq!(check_phone("8613812345678").unwrap(), "13812345678");
        for bad in ["12812345678", "1381234567", "23812345678", "1381234567x"] {
            let e = check_phone(bad).unwrap_err();
            assert!(e.zh.contains("11 位") && e.zh.contains(bad), "{bad}");
        }
        assert!(check_phone(" ").unwrap_err().zh.contains("请输入"));
        assert_eq!(
            check_email(" Zhang@Example.COM ").unwrap(),
            "Zhang@example.com"
        );
        for bad in [
            "zhang",
            "zhang@",
            "@example.com",
            "a@b",
            "a b@c.com",
            "a@b@c.com",
            "a@b..com",
        ] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_email("zhang@example.com"), "z***@example.com");
    }

    #[tokio::test]
    async fn hashing_round_trips_with_both_costs() {
        for cost in [PasswordHashing::Fast, PasswordHashing::Default] {
            let h = cost.hash("Secret-123".into()).await.unwrap();
            assert!(h.starts_with("$argon2id$"));
            assert!(
                verify_password("Secret-123".into(), h.clone())
                    .await
                    .unwrap()
            );
            assert!(!verify_password("secret-123".into(), h).await.unwrap());
        }
        assert!(!verify_password("x".into(), "garbage".into()).await.unwrap());
    }
}
