//! Random passwords with the rules of AWS Secrets Manager's `GetRandomPassword` (also used by
//! the generated-value rotator).
//!
//! Character classes: `A–Z`, `a–z`, `0–9`, the 32 ASCII punctuation characters
//! ``!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~`` and, only with `include_space`, the space (which then
//! counts as a type of its own for `require_each_included_type`). Characters come from the OS
//! CSPRNG with uniform, unbiased choice (rejection sampling in `rand`'s `random_range`); the
//! required one-per-type characters are shuffled into random positions, so their place gives
//! nothing away.

use rand::TryRngCore;
use rand::rngs::OsRng;
use rand::seq::SliceRandom;
use rand::{Rng, RngCore};

use crate::SecretBytes;

/// Smallest password length AWS accepts.
pub const MIN_LENGTH: u32 = 1;
/// Largest password length AWS accepts.
pub const MAX_LENGTH: u32 = 4096;
/// AWS's default length.
pub const DEFAULT_LENGTH: u32 = 32;

const UPPERCASE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWERCASE: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
const NUMBERS: &[u8] = b"0123456789";
/// The 32 ASCII punctuation characters AWS uses.
pub const PUNCTUATION: &[u8] = b"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/// `GetRandomPassword` parameters, with AWS's defaults via [`Default`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordRules {
    /// Length in characters, `1..=4096` (default 32).
    pub length: u32,
    /// Characters never to use (any of them; characters outside the alphabet are ignored).
    pub exclude_characters: String,
    /// No `0–9`.
    pub exclude_numbers: bool,
    /// No punctuation.
    pub exclude_punctuation: bool,
    /// No `A–Z`.
    pub exclude_uppercase: bool,
    /// No `a–z`.
    pub exclude_lowercase: bool,
    /// Allow the space character (default false).
    pub include_space: bool,
    /// At least one character of every included type (default true).
    pub require_each_included_type: bool,
}

impl Default for PasswordRules {
    fn default() -> Self {
        PasswordRules {
            length: DEFAULT_LENGTH,
            exclude_characters: String::new(),
            exclude_numbers: false,
            exclude_punctuation: false,
            exclude_uppercase: false,
            exclude_lowercase: false,
            include_space: false,
            require_each_included_type: true,
        }
    }
}

/// Why a password could not be generated. [`PasswordError::aws_error_code`] gives the AWS
/// error type to send.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// The length is outside `1..=4096`.
    #[error(
        "1 validation error detected: Value '{length}' at 'passwordLength' failed to satisfy \
         constraint: Member must have value between 1 and 4096"
    )]
    LengthOutOfRange {
        /// The requested length.
        length: u32,
    },
    /// Fewer characters than included types while each type is required.
    #[error("Password length is too short based on the required types.")]
    TooShortForRequiredTypes {
        /// The requested length.
        length: u32,
        /// The number of included (non-empty) character types.
        required_types: u32,
    },
    /// Every character was excluded.
    #[error("No characters are left to build a password from: every character type is excluded.")]
    NoCharacters,
}

impl PasswordError {
    /// The AWS error type (`__type`) for this error.
    pub fn aws_error_code(&self) -> &'static str {
        match self {
            PasswordError::LengthOutOfRange { .. } => "ValidationException",
            PasswordError::TooShortForRequiredTypes { .. } | PasswordError::NoCharacters => {
                "InvalidParameterException"
            }
        }
    }
}

/// The included character classes after exclusions; empty classes are dropped (a type whose
/// every character is excluded cannot be required).
fn classes(rules: &PasswordRules) -> Vec<Vec<u8>> {
    let mut included: Vec<&[u8]> = Vec::with_capacity(5);
    if !rules.exclude_uppercase {
        included.push(UPPERCASE);
    }
    if !rules.exclude_lowercase {
        included.push(LOWERCASE);
    }
    if !rules.exclude_numbers {
        included.push(NUMBERS);
    }
    if !rules.exclude_punctuation {
        included.push(PUNCTUATION);
    }
    if rules.include_space {
        included.push(b" ");
    }
    included
        .into_iter()
        .map(|class| {
            class
                .iter()
                .copied()
                .filter(|&c| !rules.exclude_characters.contains(char::from(c)))
                .collect::<Vec<u8>>()
        })
        .filter(|class| !class.is_empty())
        .collect()
}

/// Generates a password following `rules` (ASCII only, so `expose_str` always succeeds).
///
/// # Errors
/// See [`PasswordError`]; checks happen in AWS's order (length, then characters, then
/// required types).
pub fn random_password(rules: &PasswordRules) -> Result<SecretBytes, PasswordError> {
    let mut rng = OsRng.unwrap_err();
    random_password_with(rules, &mut rng)
}

/// [`random_password`] with an explicit RNG (must be a CSPRNG outside tests).
fn random_password_with<R: RngCore + ?Sized>(
    rules: &PasswordRules,
    rng: &mut R,
) -> Result<SecretBytes, PasswordError> {
    if !(MIN_LENGTH..=MAX_LENGTH).contains(&rules.length) {
        return Err(PasswordError::LengthOutOfRange {
            length: rules.length,
        });
    }
    let classes = classes(rules);
    if classes.is_empty() {
        return Err(PasswordError::NoCharacters);
    }
    let required_types = u32::try_from(classes.len()).unwrap_or(u32::MAX);
    if rules.require_each_included_type && rules.length < required_types {
        return Err(PasswordError::TooShortForRequiredTypes {
            length: rules.length,
            required_types,
        });
    }
    let pool: Vec<u8> = classes.concat();
    let length = rules.length as usize;
    // Pre-sized so the buffer never reallocates (a reallocation would leave an unzeroized copy).
    let mut out = Vec::with_capacity(length);
    if rules.require_each_included_type {
        for class in &classes {
            out.push(class[rng.random_range(0..class.len())]);
        }
    }
    while out.len() < length {
        out.push(pool[rng.random_range(0..pool.len())]);
    }
    out.shuffle(rng);
    Ok(SecretBytes::new(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gen_(rules: &PasswordRules) -> String {
        random_password(rules)
            .unwrap()
            .expose_str()
            .unwrap()
            .to_owned()
    }

    fn has(s: &str, class: &[u8]) -> bool {
        s.bytes().any(|c| class.contains(&c))
    }

    #[test]
    fn punctuation_is_the_32_ascii_punctuation_chars() {
        assert_eq!(PUNCTUATION.len(), 32);
        assert!(PUNCTUATION.iter().all(|c| c.is_ascii_punctuation()));
        let all = (0u8..128).filter(u8::is_ascii_punctuation).count();
        assert_eq!(all, 32);
    }

    #[test]
    fn default_rules_give_32_chars_with_every_type() {
        for _ in 0..200 {
            let p = gen_(&PasswordRules::default());
            assert_eq!(p.len(), 32);
            for class in [UPPERCASE, LOWERCASE, NUMBERS, PUNCTUATION] {
                assert!(has(&p, class), "{p:?} lacks a class");
            }
            assert!(!p.contains(' '));
        }
    }

    #[test]
    fn lengths_are_exact() {
        for length in [1, 4, 5, 17, 100, 4096] {
            let rules = PasswordRules {
                length,
                require_each_included_type: length >= 4,
                ..Default::default()
            };
            assert_eq!(gen_(&rules).len(), length as usize);
        }
    }

    #[test]
    fn exclusions_are_honoured() {
        // (rules tweak, forbidden characters)
        let cases: Vec<(PasswordRules, &[u8])> = vec![
            (
                PasswordRules {
                    exclude_numbers: true,
                    ..Default::default()
                },
                NUMBERS,
            ),
            (
                PasswordRules {
                    exclude_punctuation: true,
                    ..Default::default()
                },
                PUNCTUATION,
            ),
            (
                PasswordRules {
                    exclude_uppercase: true,
                    ..Default::default()
                },
                UPPERCASE,
            ),
            (
                PasswordRules {
                    exclude_lowercase: true,
                    ..Default::default()
                },
                LOWERCASE,
            ),
            (
                PasswordRules {
                    exclude_characters: "abcXYZ019!\"'\\".into(),
                    ..Default::default()
                },
                b"abcXYZ019!\"'\\",
            ),
            (PasswordRules::default(), b" "),
        ];
        for (rules, forbidden) in cases {
            for _ in 0..100 {
                let p = gen_(&PasswordRules {
                    length: 64,
                    ..rules.clone()
                });
                assert!(
                    !has(&p, forbidden),
                    "{p:?} contains a forbidden char ({rules:?})"
                );
            }
        }
    }

    #[test]
    fn only_digits_when_everything_else_is_excluded() {
        let rules = PasswordRules {
            length: 50,
            exclude_punctuation: true,
            exclude_uppercase: true,
            exclude_lowercase: true,
            ..Default::default()
        };
        let p = gen_(&rules);
        assert!(p.bytes().all(|c| c.is_ascii_digit()));
    }

    #[test]
    fn include_space_requires_a_space() {
        let rules = PasswordRules {
            length: 5,
            include_space: true,
            ..Default::default()
        };
        for _ in 0..100 {
            let p = gen_(&rules);
            assert!(p.contains(' '));
            for class in [UPPERCASE, LOWERCASE, NUMBERS, PUNCTUATION] {
                assert!(has(&p, class));
            }
        }
    }

    #[test]
    fn fully_excluded_class_is_not_required() {
        let rules = PasswordRules {
            length: 3,
            exclude_characters: "0123456789".into(),
            ..Default::default()
        };
        let p = gen_(&rules);
        assert!(!has(&p, NUMBERS));
    }

    #[test]
    fn errors_map_to_aws() {
        let cases = [
            (
                PasswordRules {
                    length: 0,
                    ..Default::default()
                },
                PasswordError::LengthOutOfRange { length: 0 },
                "ValidationException",
            ),
            (
                PasswordRules {
                    length: 4097,
                    ..Default::default()
                },
                PasswordError::LengthOutOfRange { length: 4097 },
                "ValidationException",
            ),
            (
                PasswordRules {
                    length: 3,
                    ..Default::default()
                },
                PasswordError::TooShortForRequiredTypes {
                    length: 3,
                    required_types: 4,
                },
                "InvalidParameterException",
            ),
            (
                PasswordRules {
                    length: 4,
                    include_space: true,
                    ..Default::default()
                },
                PasswordError::TooShortForRequiredTypes {
                    length: 4,
                    required_types: 5,
                },
                "InvalidParameterException",
            ),
            (
                PasswordRules {
                    exclude_numbers: true,
                    exclude_punctuation: true,
                    exclude_uppercase: true,
                    exclude_lowercase: true,
                    ..Default::default()
                },
                PasswordError::NoCharacters,
                "InvalidParameterException",
            ),
            (
                PasswordRules {
                    exclude_numbers: true,
                    exclude_punctuation: true,
                    exclude_uppercase: true,
                    exclude_characters: LOWERCASE.iter().map(|&c| char::from(c)).collect(),
                    ..Default::default()
                },
                PasswordError::NoCharacters,
                "InvalidParameterException",
            ),
        ];
        for (rules, want, code) in cases {
            let err = random_password(&rules).unwrap_err();
            assert_eq!(err, want);
            assert_eq!(err.aws_error_code(), code);
        }
        assert_eq!(
            PasswordError::TooShortForRequiredTypes {
                length: 3,
                required_types: 4
            }
            .to_string(),
            "Password length is too short based on the required types."
        );
    }

    #[test]
    fn short_password_without_requirements_is_fine() {
        let rules = PasswordRules {
            length: 1,
            require_each_included_type: false,
            ..Default::default()
        };
        assert_eq!(gen_(&rules).len(), 1);
    }

    #[test]
    fn choice_is_roughly_uniform() {
        // 10 digits, 100 000 draws: each count is ~10 000 with sd ~95; 600 is > 6 sd.
        let rules = PasswordRules {
            length: 4000,
            exclude_punctuation: true,
            exclude_uppercase: true,
            exclude_lowercase: true,
            require_each_included_type: false,
            ..Default::default()
        };
        let mut counts = [0u32; 10];
        for _ in 0..25 {
            for c in random_password(&rules).unwrap().expose() {
                counts[usize::from(c - b'0')] += 1;
            }
        }
        for n in counts {
            assert!((9_400..=10_600).contains(&n), "{counts:?}");
        }
    }

    #[test]
    fn required_characters_land_anywhere() {
        // With length 4 and 4 required types, every position must sometimes hold a digit.
        let rules = PasswordRules {
            length: 4,
            ..Default::default()
        };
        let mut seen = [false; 4];
        for _ in 0..400 {
            let p = gen_(&rules);
            for (i, c) in p.bytes().enumerate() {
                if c.is_ascii_digit() {
                    seen[i] = true;
                }
            }
        }
        assert_eq!(seen, [true; 4]);
    }
}
