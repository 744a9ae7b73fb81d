//! The functions behind pandas' `.str`, `.dt` and list accessors that
//! [`crate::expr::lower_fn`] does not lower itself: one flat name each
//! (`str_title`, `dt_quarter`, `list_get`), lowered onto Polars.
//!
//! pandas 3 runs most `.str` methods through Arrow's kernels (case mappings
//! one code point at a time, by utf8proc's tables) and the others through
//! Python's `str` methods. Where a Polars kernel has the same meaning it is
//! used; elsewhere the function maps each value here by pandas' rules
//! (`title`, `zfill`, `find`, `split`, ...). Regular expressions arrive in
//! the regex crate's dialect: the Python layer translates pandas' patterns or
//! falls back to pandas when only Python's `re` can give their meaning.

use polars::prelude as pl;
use polars::prelude::{DataType, IntoColumn, ListBuilderTrait, TimeUnit};
use shardframe_core::{bail, SfError, SfResult};

use crate::expr::{param, param_bool, param_i64, param_str};

/// Lower accessor function `name` of `e` (every one takes that one operand;
/// the rest are parameters in `p`).
pub fn lower_fn(
    name: &str,
    e: pl::Expr,
    args: Vec<pl::Expr>,
    p: &serde_json::Value,
) -> SfResult<pl::Expr> {
    if !args.is_empty() {
        bail!(Internal: "{name}: takes one argument, got {}", args.len() + 1);
    }
    Ok(match name {
        // strings: case. (`str_lower`/`str_upper` are lowered by expr.rs onto
        // Polars' full mappings, "ß" -> "SS", until its two arms go.)
        "str_lower" => strings(e, |s, out| out.extend(s.chars().map(lower))),
        "str_upper" => strings(e, |s, out| out.extend(s.chars().map(upper))),
        "str_title" => {
            let category = category_of()?;
            strings(e, move |s, out| title(s, &category, out))
        }
        "str_capitalize" => strings(e, capitalize),
        "str_swapcase" => {
            let category = category_of()?;
            strings(e, move |s, out| {
                out.extend(s.chars().map(|c| Cased::new(c, &category).swapped()))
            })
        }
        "str_casefold" => strings(e, casefold),
        // strings: shape
        "str_zfill" => {
            let width = width(p)?;
            strings(e, move |s, out| zfill(s, width, out))
        }
        "str_pad" => {
            let width = width(p)?;
            let side = Side::parse(&param_str(p, "side")?)?;
            let fill = one_char(&param_str(p, "fillchar")?)?;
            strings(e, move |s, out| pad(s, width, side, fill, out))
        }
        "str_repeat" => {
            let n = count(p, "repeats")?;
            strings(e, move |s, out| (0..n).for_each(|_| out.push_str(s)))
        }
        "str_join_chars" => {
            let sep = param_str(p, "sep")?;
            strings(e, move |s, out| join_chars(s, &sep, out))
        }
        "str_slice_replace" => {
            let start = param_i64(p, "start")?.unwrap_or(0);
            let stop = param_i64(p, "stop")?.unwrap_or(i64::MAX);
            let repl = param(p, "repl")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string();
            strings(e, move |s, out| slice_replace(s, start, stop, &repl, out))
        }
        "str_removeprefix" => e.str().strip_prefix(pl::lit(param_str(p, "prefix")?)),
        "str_removesuffix" => e.str().strip_suffix(pl::lit(param_str(p, "suffix")?)),
        // strings: parts (missing where pandas has NaN)
        "str_get" => {
            let i = param_i64(p, "i")?.unwrap_or(0);
            pick(e, move |s| char_at(s, i).map(String::from))
        }
        "str_partition" => {
            let sep = param_str(p, "sep")?;
            if sep.is_empty() {
                bail!(Compute: "empty separator");
            }
            let part = usize::try_from(param_i64(p, "part")?.unwrap_or(0))
                .ok()
                .filter(|&k| k < 3)
                .ok_or_else(|| SfError::Internal("partition part must be 0, 1 or 2".into()))?;
            let reverse = param_bool(p, "reverse", false);
            pick(e, move |s| {
                Some(partition(s, &sep, reverse)[part].to_string())
            })
        }
        "str_split" => split(e, p)?,
        // strings: search
        "str_find" => {
            let sub = param_str(p, "sub")?;
            let start = param_i64(p, "start")?.unwrap_or(0);
            let end = param_i64(p, "end")?;
            let reverse = param_bool(p, "reverse", false);
            numbers(e, move |s| find(s, &sub, start, end, reverse))
        }
        "str_extract" => {
            let group = count(p, "group")?;
            e.str().extract(pl::lit(param_str(p, "pat")?), group)
        }
        "str_count" => e
            .str()
            .count_matches(pl::lit(param_str(p, "pat")?), false)
            .cast(DataType::Int64),
        "str_findall" => e.str().extract_all(pl::lit(param_str(p, "pat")?)),
        "str_is" => is_kind(e, &param_str(p, "kind")?)?,
        // lists (of the parts of split strings)
        "list_get" => e.list().get(pl::lit(param_i64(p, "i")?.unwrap_or(0)), true),
        "list_len" => e.list().len().cast(DataType::Int64),
        "list_join" => e.list().join(pl::lit(param_str(p, "sep")?), false),
        // datetimes: fields, int32 as in pandas
        "dt_quarter" => e.dt().quarter().cast(DataType::Int32),
        "dt_day_of_year" => e.dt().ordinal_day().cast(DataType::Int32),
        "dt_days_in_month" => e.dt().days_in_month().cast(DataType::Int32),
        "dt_microsecond" => e.dt().microsecond().cast(DataType::Int32),
        // pandas' nanosecond is the part below a microsecond; Polars' the part below a second.
        "dt_nanosecond" => e.dt().nanosecond().cast(DataType::Int32) % pl::lit(1000i32),
        "dt_day_name" => e.dt().strftime("%A"),
        "dt_month_name" => e.dt().strftime("%B"),
        // datetime.time holds microseconds: pandas drops the nanoseconds.
        "dt_time" => e.dt().truncate(pl::lit("1us")).dt().time(),
        // datetimes: calendar tests (False when missing, as pandas)
        "dt_is_leap_year" => e.dt().is_leap_year().fill_null(pl::lit(false)),
        "dt_is_month_start"
        | "dt_is_month_end"
        | "dt_is_quarter_start"
        | "dt_is_quarter_end"
        | "dt_is_year_start"
        | "dt_is_year_end" => calendar_edge(e, name)?,
        // datetimes and durations: floor, ceil, round to a fixed frequency
        "dt_round" => {
            let ticks = param_i64(p, "ticks")?.unwrap_or(1);
            let mode = Rounding::parse(&param_str(p, "mode")?)?;
            round(e, ticks, mode)
        }
        // durations
        "dt_total_seconds" => e.map(
            |c| {
                let out: pl::Float64Chunked = nanoseconds(&c)?
                    .into_iter()
                    .map(|v| v.map(total_seconds))
                    .collect();
                Ok(out.with_name(c.name().clone()).into_column())
            },
            |_, field| Ok(pl::Field::new(field.name().clone(), DataType::Float64)),
        ),
        "dt_td_part" => {
            let part = DurationPart::parse(&param_str(p, "part")?)?;
            e.map(
                move |c| {
                    let out: pl::Int64Chunked = nanoseconds(&c)?
                        .into_iter()
                        .map(|v| v.map(|ns| part.of(ns)))
                        .collect();
                    Ok(out.with_name(c.name().clone()).into_column())
                },
                |_, field| Ok(pl::Field::new(field.name().clone(), DataType::Int64)),
            )
        }
        other => bail!(NotImplemented: "expression function {other:?}"),
    })
}

fn width(p: &serde_json::Value) -> SfResult<usize> {
    // pandas pads to no width when given a negative one
    Ok(usize::try_from(param_i64(p, "width")?.unwrap_or(0)).unwrap_or(0))
}

fn count(p: &serde_json::Value, key: &str) -> SfResult<usize> {
    let n = param_i64(p, key)?.unwrap_or(0);
    usize::try_from(n)
        .map_err(|_| SfError::Compute(format!("{key} must be a non-negative integer, got {n}")))
}

fn one_char(s: &str) -> SfResult<char> {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Ok(c),
        _ => bail!(InvalidOperation: "fillchar must be a character, not str"),
    }
}

// -- mapping each value -------------------------------------------------------

/// `e` with each present string rewritten by `f` (a missing one stays missing).
fn strings<F>(e: pl::Expr, f: F) -> pl::Expr
where
    F: Fn(&str, &mut String) + Send + Sync + 'static,
{
    e.map(
        move |c| {
            let out = c.str()?.apply_into_string_amortized(|s, out| f(s, out));
            Ok(out.into_column())
        },
        |_, field| Ok(pl::Field::new(field.name().clone(), DataType::String)),
    )
}

/// `f` of each present string, missing where `f` gives nothing.
fn pick<F>(e: pl::Expr, f: F) -> pl::Expr
where
    F: Fn(&str) -> Option<String> + Send + Sync + 'static,
{
    e.map(
        move |c| {
            let ca = c.str()?;
            let out: pl::StringChunked = ca.iter().map(|v| v.and_then(&f)).collect();
            Ok(out.with_name(ca.name().clone()).into_column())
        },
        |_, field| Ok(pl::Field::new(field.name().clone(), DataType::String)),
    )
}

/// `f` of each present string as an int64 (a missing one stays missing).
fn numbers<F>(e: pl::Expr, f: F) -> pl::Expr
where
    F: Fn(&str) -> i64 + Send + Sync + 'static,
{
    e.map(
        move |c| {
            let ca = c.str()?;
            let out: pl::Int64Chunked = ca.iter().map(|v| v.map(&f)).collect();
            Ok(out.with_name(ca.name().clone()).into_column())
        },
        |_, field| Ok(pl::Field::new(field.name().clone(), DataType::Int64)),
    )
}

/// Whether each string passes `f`; a missing one does not (pandas' `str`
/// dtype answers False there).
fn test_each<F>(e: pl::Expr, f: F) -> pl::Expr
where
    F: Fn(&str) -> bool + Send + Sync + 'static,
{
    e.map(
        move |c| {
            let ca = c.str()?;
            let out: pl::BooleanChunked = ca.iter().map(|v| v.is_some_and(&f)).collect();
            Ok(out.with_name(ca.name().clone()).into_column())
        },
        |_, field| Ok(pl::Field::new(field.name().clone(), DataType::Boolean)),
    )
}

// -- case -------------------------------------------------------------------------

/// A character's general category, as far as case goes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Category {
    Lu,
    Ll,
    Lt,
    Other,
}

/// The general category of a character. Rust's standard library has none
/// (`char::is_uppercase` is the wider Uppercase property: Ⓐ, 🄰), so it is
/// read from the Unicode tables of the regex crate that Polars links.
fn category_of() -> SfResult<impl Fn(char) -> Category + Send + Sync + 'static> {
    let compile = |pat: &str| {
        polars::polars_utils::regex_cache::compile_regex(pat)
            .map_err(|err| SfError::Internal(format!("{pat}: {err}")))
    };
    let lu = compile(r"\A\p{Lu}\z")?;
    let ll = compile(r"\A\p{Ll}\z")?;
    let lt = compile(r"\A\p{Lt}\z")?;
    Ok(move |c: char| {
        if c.is_ascii() {
            return match c {
                'A'..='Z' => Category::Lu,
                'a'..='z' => Category::Ll,
                _ => Category::Other,
            };
        }
        let mut buf = [0u8; 4];
        let s: &str = c.encode_utf8(&mut buf);
        if lu.is_match(s) {
            Category::Lu
        } else if ll.is_match(s) {
            Category::Ll
        } else if lt.is_match(s) {
            Category::Lt
        } else {
            Category::Other
        }
    })
}

/// `c`'s uppercase as one code point (Unicode's simple mapping, as Arrow's
/// `utf8_upper`): where the full mapping has several ("ß" -> "SS"), the
/// simple one, else `c` itself.
fn upper(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_uppercase();
    }
    let mut mapped = c.to_uppercase();
    match (mapped.next(), mapped.next()) {
        (Some(u), None) => u,
        _ => match u32::from(c) {
            0x00DF => '\u{1E9E}',
            // Greek with ypogegrammeni: to the prosgegrammeni forms
            0x1F80..=0x1F87 | 0x1F90..=0x1F97 | 0x1FA0..=0x1FA7 => shift(c, 8),
            0x1FB3 | 0x1FC3 | 0x1FF3 => shift(c, 9),
            _ => c,
        },
    }
}

/// `c`'s lowercase as one code point (Unicode's simple mapping).
fn lower(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let mut mapped = c.to_lowercase();
    match (mapped.next(), mapped.next()) {
        (Some(l), None) => l,
        _ if c == '\u{130}' => 'i',
        _ => c,
    }
}

fn shift(c: char, by: i64) -> char {
    u32::try_from(i64::from(u32::from(c)) + by)
        .ok()
        .and_then(char::from_u32)
        .unwrap_or(c)
}

/// A character with what Arrow's case kernels look at (their
/// `IsCasedCharacterUnicode` and friends): its category and mappings.
struct Cased {
    c: char,
    category: Category,
    upper: char,
    lower: char,
}

impl Cased {
    fn new(c: char, category: &impl Fn(char) -> Category) -> Cased {
        Cased {
            c,
            category: category(c),
            upper: upper(c),
            lower: lower(c),
        }
    }

    fn is_cased(&self) -> bool {
        self.category != Category::Other || self.upper != self.c || self.lower != self.c
    }

    fn is_upper(&self) -> bool {
        self.category == Category::Lu
            || (self.category != Category::Lt && self.upper == self.c && self.lower != self.c)
    }

    fn is_lower(&self) -> bool {
        self.category == Category::Ll
            || (self.category != Category::Lt && self.upper != self.c && self.lower == self.c)
    }

    fn is_title(&self) -> bool {
        self.category == Category::Lt
    }

    fn swapped(&self) -> char {
        if self.is_upper() {
            self.lower
        } else if self.is_lower() {
            self.upper
        } else {
            self.c
        }
    }
}

/// Each run of cased characters with its first uppercased and the rest
/// lowercased (Arrow's `utf8_title`: uppercase, not titlecase, so "ǆ" -> "Ǆ").
fn title(s: &str, category: &impl Fn(char) -> Category, out: &mut String) {
    let mut after_cased = false;
    for c in s.chars() {
        let ch = Cased::new(c, category);
        if ch.is_cased() {
            out.push(if after_cased { ch.lower } else { ch.upper });
            after_cased = true;
        } else {
            out.push(c);
            after_cased = false;
        }
    }
}

fn capitalize(s: &str, out: &mut String) {
    let mut chars = s.chars();
    if let Some(first) = chars.next() {
        out.push(upper(first));
        out.extend(chars.map(lower));
    }
}

/// Python's `str.casefold` (pandas runs it in Python): full case folding,
/// which is the full lowercase of the full uppercase but for these.
fn casefold(s: &str, out: &mut String) {
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        match u32::from(c) {
            0x0131 => out.push(c),
            0x1E9E => out.push_str("ss"),
            // Cherokee folds to its capital letters.
            0x13A0..=0x13F5 => out.push(c),
            0x13F8..=0x13FD => out.push(shift(c, -8)),
            0xAB70..=0xABBF => out.push(shift(c, 0x13A0 - 0xAB70)),
            _ => out.extend(c.to_uppercase().flat_map(char::to_lowercase)),
        }
    }
}

fn is_lower(s: &str, category: &impl Fn(char) -> Category) -> bool {
    let mut cased = false;
    for c in s.chars() {
        let ch = Cased::new(c, category);
        if ch.is_upper() || ch.is_title() {
            return false;
        }
        cased |= ch.is_cased();
    }
    cased
}

fn is_upper(s: &str, category: &impl Fn(char) -> Category) -> bool {
    let mut cased = false;
    for c in s.chars() {
        let ch = Cased::new(c, category);
        if ch.is_lower() || ch.is_title() {
            return false;
        }
        cased |= ch.is_cased();
    }
    cased
}

/// Uppercase and titlecase characters only after uncased ones, lowercase
/// ones only after cased ones, and at least one cased character.
fn is_title(s: &str, category: &impl Fn(char) -> Category) -> bool {
    let (mut any, mut after_cased) = (false, false);
    for c in s.chars() {
        let ch = Cased::new(c, category);
        if ch.is_upper() || ch.is_title() {
            if after_cased {
                return false;
            }
            (any, after_cased) = (true, true);
        } else if ch.is_lower() {
            if !after_cased {
                return false;
            }
            (any, after_cased) = (true, true);
        } else {
            after_cased = false;
        }
    }
    any
}

/// `str.isalpha()` and friends, as Arrow's kernels define them.
fn is_kind(e: pl::Expr, kind: &str) -> SfResult<pl::Expr> {
    let class = match kind {
        "alpha" => r"\p{L}",
        "decimal" => r"\p{Nd}",
        "digit" => r"\p{Nd}\p{No}",
        "numeric" => r"\p{N}",
        "alnum" => r"\p{L}\p{N}",
        // Python's whitespace: Unicode's White_Space and the separators U+1C..U+1F
        "space" => r"\s\x{1C}-\x{1F}",
        "ascii" => {
            let ascii = e.str().contains(pl::lit(r"\A[\x00-\x7F]*\z"), true);
            return Ok(ascii.fill_null(pl::lit(false)));
        }
        "lower" | "upper" | "title" => {
            let category = category_of()?;
            return Ok(match kind {
                "lower" => test_each(e, move |s| is_lower(s, &category)),
                "upper" => test_each(e, move |s| is_upper(s, &category)),
                _ => test_each(e, move |s| is_title(s, &category)),
            });
        }
        other => bail!(Internal: "unknown string test {other:?}"),
    };
    let every = format!(r"\A[{class}]+\z");
    Ok(e.str()
        .contains(pl::lit(every), true)
        .fill_null(pl::lit(false)))
}

// -- shape and parts ----------------------------------------------------------

/// Python's `str.zfill`: zeros after a leading sign, to `width` characters.
fn zfill(s: &str, width: usize, out: &mut String) {
    let n = s.chars().count();
    let (sign, digits) = match s.as_bytes().first() {
        Some(b'+' | b'-') => s.split_at(1),
        _ => ("", s),
    };
    out.push_str(sign);
    out.extend(std::iter::repeat_n('0', width.saturating_sub(n)));
    out.push_str(digits);
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Left,
    Right,
    Both,
}

impl Side {
    fn parse(s: &str) -> SfResult<Side> {
        Ok(match s {
            "left" => Side::Left,
            "right" => Side::Right,
            "both" => Side::Both,
            other => {
                bail!(Compute: "Invalid side: {other}. Side must be one of 'left', 'right', 'both'")
            }
        })
    }
}

/// `s` padded with `fill` to `width` characters on `side`; centred as
/// Python's `str.center` (an odd margin leans left when the width is odd).
fn pad(s: &str, width: usize, side: Side, fill: char, out: &mut String) {
    let margin = width.saturating_sub(s.chars().count());
    let left = match side {
        Side::Left => margin,
        Side::Right => 0,
        Side::Both => margin / 2 + (margin & width & 1),
    };
    out.extend(std::iter::repeat_n(fill, left));
    out.push_str(s);
    out.extend(std::iter::repeat_n(fill, margin - left));
}

fn join_chars(s: &str, sep: &str, out: &mut String) {
    for (k, c) in s.chars().enumerate() {
        if k > 0 {
            out.push_str(sep);
        }
        out.push(c);
    }
}

/// The byte offset of character `k` of `s` (its length past the end).
fn byte_offset(s: &str, k: usize) -> usize {
    if s.is_ascii() {
        return k.min(s.len());
    }
    s.char_indices().nth(k).map_or(s.len(), |(b, _)| b)
}

/// A position as Python clips a slice bound into `0..=n`.
fn clip_index(i: i64, n: i64) -> i64 {
    if i < 0 {
        (i + n).max(0)
    } else {
        i.min(n)
    }
}

/// pandas' `slice_replace`: `s[:start] + repl + s[stop:]`, and the rest from
/// `start` when the slice is empty.
fn slice_replace(s: &str, start: i64, stop: i64, repl: &str, out: &mut String) {
    let n = s.chars().count() as i64;
    let (a, b) = (clip_index(start, n), clip_index(stop, n));
    let from = byte_offset(s, a as usize);
    let rest = if a >= b {
        from
    } else {
        byte_offset(s, b as usize)
    };
    out.push_str(&s[..from]);
    out.push_str(repl);
    out.push_str(&s[rest..]);
}

/// Character `i` of `s` (from the end when negative), if it has one.
fn char_at(s: &str, i: i64) -> Option<char> {
    let k = usize::try_from(i.unsigned_abs()).ok()?;
    if i >= 0 {
        s.chars().nth(k)
    } else {
        s.chars().rev().nth(k - 1)
    }
}

/// Python's `str.partition` (or `rpartition`): before, separator, after.
fn partition<'a>(s: &'a str, sep: &str, reverse: bool) -> [&'a str; 3] {
    let found = if reverse { s.rfind(sep) } else { s.find(sep) };
    match found {
        Some(i) => [&s[..i], &s[i..i + sep.len()], &s[i + sep.len()..]],
        None if reverse => ["", "", s],
        None => [s, "", ""],
    }
}

/// Python's `str.find` (or `rfind`) in characters: where `sub` first (last)
/// occurs within `s[start:end]`, -1 if nowhere.
fn find(s: &str, sub: &str, start: i64, end: Option<i64>, reverse: bool) -> i64 {
    let n = s.chars().count() as i64;
    let end = match end {
        Some(e) if e < 0 => (e + n).max(0),
        Some(e) => e.min(n),
        None => n,
    };
    // CPython clips a negative start only: one past the end finds nothing
    let start = if start < 0 { (start + n).max(0) } else { start };
    if end - start < sub.chars().count() as i64 {
        return -1;
    }
    let from = byte_offset(s, start as usize);
    let hay = &s[from..byte_offset(s, end as usize)];
    let hit = if reverse {
        hay.rfind(sub)
    } else {
        hay.find(sub)
    };
    hit.map_or(-1, |b| start + hay[..b].chars().count() as i64)
}

/// Python's whitespace (`str.isspace`).
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1C}'..='\u{1F}').contains(&c)
}

/// Python's `str.split()` / `str.rsplit()` with no separator: runs of
/// whitespace separate, none at either end, at most `max` splits (the
/// unsplit rest keeps its inner and far-end whitespace).
fn split_whitespace<'a>(s: &'a str, max: Option<usize>, reverse: bool, out: &mut Vec<&'a str>) {
    let max = max.unwrap_or(usize::MAX);
    if reverse {
        let mut rest = s;
        loop {
            rest = rest.trim_end_matches(is_py_space);
            if rest.is_empty() {
                break;
            }
            if out.len() == max {
                out.push(rest);
                break;
            }
            let start = rest
                .char_indices()
                .rev()
                .find(|&(_, c)| is_py_space(c))
                .map_or(0, |(i, c)| i + c.len_utf8());
            out.push(&rest[start..]);
            rest = &rest[..start];
        }
        out.reverse();
    } else {
        let mut rest = s;
        loop {
            rest = rest.trim_start_matches(is_py_space);
            if rest.is_empty() {
                break;
            }
            if out.len() == max {
                out.push(rest);
                break;
            }
            let end = rest.find(is_py_space).unwrap_or(rest.len());
            out.push(&rest[..end]);
            rest = &rest[end..];
        }
    }
}

/// Python's `str.split(sep, maxsplit)` / `str.rsplit`.
fn split_literal<'a>(
    s: &'a str,
    sep: &str,
    max: Option<usize>,
    reverse: bool,
    out: &mut Vec<&'a str>,
) {
    match (max, reverse) {
        (None, false) => out.extend(s.split(sep)),
        (Some(n), false) => out.extend(s.splitn(n.saturating_add(1), sep)),
        (None, true) => {
            out.extend(s.rsplit(sep));
            out.reverse();
        }
        (Some(n), true) => {
            out.extend(s.rsplitn(n.saturating_add(1), sep));
            out.reverse();
        }
    }
}

/// pandas' `str.split`/`str.rsplit` as lists of strings: on whitespace (no
/// `pat`), a literal separator or a regular expression (no capture groups and
/// no empty matches: the Python layer leaves those to pandas), at most `n`
/// times when `n` > 0.
fn split(e: pl::Expr, p: &serde_json::Value) -> SfResult<pl::Expr> {
    let max = param_i64(p, "n")?
        .and_then(|n| usize::try_from(n).ok())
        .filter(|&n| n > 0);
    let reverse = param_bool(p, "reverse", false);
    let sep = param(p, "pat").and_then(|v| v.as_str()).map(str::to_string);
    let pattern = match &sep {
        Some(pat) if param_bool(p, "regex", false) => {
            let re = polars::polars_utils::regex_cache::compile_regex(pat)
                .map_err(|err| SfError::Compute(err.to_string()))?;
            Some(re)
        }
        Some(pat) if pat.is_empty() => bail!(Compute: "empty separator"),
        _ => None,
    };
    Ok(e.map(
        move |c| {
            let ca = c.str()?;
            let mut builder =
                pl::ListStringChunkedBuilder::new(ca.name().clone(), ca.len(), ca.len() * 2);
            let mut parts: Vec<&str> = Vec::new();
            for value in ca.iter() {
                let Some(s) = value else {
                    builder.append_null();
                    continue;
                };
                parts.clear();
                match (&pattern, &sep) {
                    (Some(re), _) => match max {
                        Some(n) => parts.extend(re.splitn(s, n.saturating_add(1))),
                        None => parts.extend(re.split(s)),
                    },
                    (None, Some(sep)) => split_literal(s, sep, max, reverse, &mut parts),
                    (None, None) => split_whitespace(s, max, reverse, &mut parts),
                }
                builder.append_values_iter(parts.iter().copied());
            }
            Ok(builder.finish().into_column())
        },
        |_, field| {
            Ok(pl::Field::new(
                field.name().clone(),
                DataType::List(Box::new(DataType::String)),
            ))
        },
    ))
}

// -- datetimes and durations --------------------------------------------------

fn calendar_edge(e: pl::Expr, name: &str) -> SfResult<pl::Expr> {
    let day = e.clone().dt().day().cast(DataType::Int32);
    let month = e.clone().dt().month().cast(DataType::Int32);
    let last_day = e.dt().days_in_month().cast(DataType::Int32);
    let is = |x: pl::Expr, v: i32| x.eq(pl::lit(v));
    let out = match name {
        "dt_is_month_start" => is(day, 1),
        "dt_is_month_end" => day.eq(last_day),
        "dt_is_quarter_start" => is(day, 1).and(is((month - pl::lit(1i32)) % pl::lit(3i32), 0)),
        "dt_is_quarter_end" => day.eq(last_day).and(is(month % pl::lit(3i32), 0)),
        "dt_is_year_start" => is(month, 1).and(is(day, 1)),
        "dt_is_year_end" => is(month, 12).and(is(day, 31)),
        other => bail!(Internal: "not a calendar test: {other:?}"),
    };
    Ok(out.fill_null(pl::lit(false)))
}

fn nanos_per_tick(unit: TimeUnit) -> i64 {
    match unit {
        TimeUnit::Nanoseconds => 1,
        TimeUnit::Microseconds => 1_000,
        TimeUnit::Milliseconds => 1_000_000,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rounding {
    Floor,
    Ceil,
    HalfEven,
}

impl Rounding {
    fn parse(s: &str) -> SfResult<Rounding> {
        Ok(match s {
            "floor" => Rounding::Floor,
            "ceil" => Rounding::Ceil,
            "round" => Rounding::HalfEven,
            other => bail!(Internal: "unknown rounding {other:?}"),
        })
    }

    /// `v` to a multiple of `unit` (> 0), as pandas' `round_nsint64`: a tie
    /// goes to the even multiple (there is none with an odd unit).
    fn apply(self, v: i64, unit: i64) -> Option<i64> {
        let (q, r) = (v.div_euclid(unit), v.rem_euclid(unit));
        let up = match self {
            Rounding::Floor => false,
            Rounding::Ceil => r != 0,
            Rounding::HalfEven => {
                let half = unit / 2;
                r > half || (unit % 2 == 0 && r == half && q.rem_euclid(2) == 1)
            }
        };
        (q + i64::from(up)).checked_mul(unit)
    }
}

/// Datetimes or durations to multiples of `unit` ticks of their own time
/// unit (none, 0, leaves them as they are: pandas' frequency below the unit).
fn round(e: pl::Expr, unit: i64, mode: Rounding) -> pl::Expr {
    e.map(
        move |c| {
            let dtype = c.dtype().clone();
            if !matches!(dtype, DataType::Datetime(..) | DataType::Duration(_)) {
                pl::polars_bail!(InvalidOperation: "cannot round values of type {dtype}");
            }
            if unit <= 0 {
                return Ok(c);
            }
            let ticks = c.to_physical_repr();
            let out: pl::Int64Chunked = ticks
                .i64()?
                .iter()
                .map(|v| v.and_then(|v| mode.apply(v, unit)))
                .collect();
            out.with_name(c.name().clone()).into_column().cast(&dtype)
        },
        |_, field| Ok(field.clone()),
    )
}

/// The durations of `c` in nanoseconds (missing when missing or beyond
/// the nanosecond range).
fn nanoseconds(c: &pl::Column) -> pl::PolarsResult<Vec<Option<i64>>> {
    let per_tick = match c.dtype() {
        DataType::Duration(tu) => nanos_per_tick(*tu),
        other => pl::polars_bail!(InvalidOperation: "expected durations, got {other}"),
    };
    let ticks = c.to_physical_repr();
    let values = ticks
        .i64()?
        .iter()
        .map(|v| v.and_then(|v| v.checked_mul(per_tick)))
        .collect();
    Ok(values)
}

const NANOS_PER_SECOND: i64 = 1_000_000_000;
const NANOS_PER_DAY: i64 = 86_400 * NANOS_PER_SECOND;

/// pandas' `total_seconds`: whole seconds plus the fraction, each divided
/// apart (exact for durations beyond 2**53 ns), and a sum that rounds onto a
/// whole second though the fraction is not zero moved off it by one ulp.
fn total_seconds(ns: i64) -> f64 {
    let (whole, rest) = (
        ns.div_euclid(NANOS_PER_SECOND),
        ns.rem_euclid(NANOS_PER_SECOND),
    );
    let floor = whole as f64;
    let s = floor + rest as f64 / NANOS_PER_SECOND as f64;
    if rest != 0 && whole.unsigned_abs() < 1 << 52 {
        if s == floor {
            return next_float(s, true);
        }
        if s == floor + 1.0 {
            return next_float(s, false);
        }
    }
    s
}

/// The float after `x` upwards or downwards (`f64::next_up`/`next_down`
/// are newer than the crate's minimum Rust).
fn next_float(x: f64, up: bool) -> f64 {
    if x == 0.0 {
        let tiny = f64::from_bits(1);
        return if up { tiny } else { -tiny };
    }
    let bits = x.to_bits();
    // the magnitude grows when moving away from zero
    f64::from_bits(if (x > 0.0) == up { bits + 1 } else { bits - 1 })
}

/// A component of a duration, as pandas splits one: whole days (floored),
/// then the non-negative rest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DurationPart {
    Days,
    SecondsOfDay,
    Hours,
    MinutesOfHour,
    SecondsOfMinute,
    MillisecondsOfSecond,
    MicrosecondsOfSecond,
    MicrosecondsOfMillisecond,
    NanosecondsOfMicrosecond,
}

impl DurationPart {
    fn parse(s: &str) -> SfResult<DurationPart> {
        use DurationPart::*;
        Ok(match s {
            "days" => Days,
            "seconds_of_day" => SecondsOfDay,
            "hours" => Hours,
            "minutes_of_hour" => MinutesOfHour,
            "seconds_of_minute" => SecondsOfMinute,
            "milliseconds_of_second" => MillisecondsOfSecond,
            "microseconds_of_second" => MicrosecondsOfSecond,
            "microseconds_of_millisecond" => MicrosecondsOfMillisecond,
            "nanoseconds_of_microsecond" => NanosecondsOfMicrosecond,
            other => bail!(Internal: "unknown duration part {other:?}"),
        })
    }

    fn of(self, ns: i64) -> i64 {
        use DurationPart::*;
        let of_day = ns.rem_euclid(NANOS_PER_DAY);
        let seconds = of_day / NANOS_PER_SECOND;
        let of_second = ns.rem_euclid(NANOS_PER_SECOND);
        match self {
            Days => ns.div_euclid(NANOS_PER_DAY),
            SecondsOfDay => seconds,
            Hours => seconds / 3600,
            MinutesOfHour => seconds % 3600 / 60,
            SecondsOfMinute => seconds % 60,
            MillisecondsOfSecond => of_second / 1_000_000,
            MicrosecondsOfSecond => of_second / 1_000,
            MicrosecondsOfMillisecond => of_second / 1_000 % 1_000,
            NanosecondsOfMicrosecond => of_second % 1_000,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapped(f: impl Fn(&str, &mut String), s: &str) -> String {
        let mut out = String::new();
        f(s, &mut out);
        out
    }

    #[test]
    fn case_maps_one_code_point_at_a_time_as_arrow() -> SfResult<()> {
        let category = category_of()?;
        let titled = |s: &str, out: &mut String| title(s, &category, out);
        assert_eq!(mapped(titled, "hello wORLD ǆx ß"), "Hello World Ǆx ẞ");
        assert_eq!(mapped(titled, "ĸa 𝐀b"), "ĸa 𝐀b");
        assert_eq!(mapped(capitalize, "ßIG"), "ẞig");
        assert_eq!(
            mapped(casefold, "Straße ẞ ı İ ꭰ"),
            "strasse ss ı i\u{307} Ꭰ"
        );
        let swapped: String = "aB ǅ ß Ⅰ"
            .chars()
            .map(|c| Cased::new(c, &category).swapped())
            .collect();
        assert_eq!(swapped, "Ab ǅ ẞ ⅰ");
        assert!(is_title("Hello World", &category) && !is_title("Hello world", &category));
        assert!(
            is_lower("abc 1", &category) && !is_lower("ǅ", &category) && !is_lower("1", &category)
        );
        assert!(is_upper("ABC 1", &category) && !is_upper("ABc", &category));
        Ok(())
    }

    #[test]
    fn shape_functions_follow_python() {
        assert_eq!(mapped(|s, o| zfill(s, 6, o), "-12"), "-00012");
        assert_eq!(mapped(|s, o| zfill(s, 4, o), "ß"), "000ß");
        assert_eq!(mapped(|s, o| zfill(s, 2, o), "abc"), "abc");
        assert_eq!(
            mapped(|s, o| pad(s, 8, Side::Both, '*', o), "apple"),
            "*apple**"
        );
        assert_eq!(
            mapped(|s, o| pad(s, 7, Side::Both, '*', o), "ab"),
            "***ab**"
        );
        assert_eq!(
            mapped(|s, o| slice_replace(s, 1, 2, "XY", o), "abc"),
            "aXYc"
        );
        assert_eq!(
            mapped(|s, o| slice_replace(s, 3, 1, "XY", o), "abcdef"),
            "abcXYdef"
        );
        assert_eq!(
            mapped(|s, o| slice_replace(s, -1, i64::MAX, "Z", o), "Üxy"),
            "ÜxZ"
        );
        assert_eq!(
            (
                char_at("añb", 1),
                char_at("ab", -1),
                char_at("ab", 2),
                char_at("", -1)
            ),
            (Some('ñ'), Some('b'), None, None)
        );
        assert_eq!(partition("a,b,c", ",", true), ["a,b", ",", "c"]);
        assert_eq!(partition("abc", ",", false), ["abc", "", ""]);
    }

    #[test]
    fn find_counts_characters_within_python_bounds() {
        assert_eq!(find("Ünïcode", "c", 0, None, false), 3);
        assert_eq!(find("banana", "a", 0, None, true), 5);
        assert_eq!(find("banana", "a", 2, Some(-2), true), 3);
        assert_eq!(find("ab", "", 5, None, false), -1);
        assert_eq!(find("ab", "", 1, None, true), 2);
    }

    #[test]
    fn splits_follow_python() {
        let split = |s: &'static str, max: Option<usize>, reverse: bool| {
            let mut out = Vec::new();
            split_whitespace(s, max, reverse, &mut out);
            out
        };
        assert_eq!(split(" a  b\tc ", None, false), ["a", "b", "c"]);
        assert_eq!(split(" a  b\tc ", Some(1), false), ["a", "b\tc "]);
        assert_eq!(split(" a  b\tc ", Some(1), true), [" a  b", "c"]);
        assert_eq!(split("a\u{1c}b", None, false), ["a", "b"]);
        assert!(split("  ", None, false).is_empty());
        let mut out = Vec::new();
        split_literal("aaa", "aa", None, true, &mut out);
        assert_eq!(out, ["a", ""]);
    }

    #[test]
    fn rounding_and_durations_match_pandas() {
        let hour = 3_600 * NANOS_PER_SECOND;
        assert_eq!(Rounding::HalfEven.apply(hour * 3 / 2, hour), Some(2 * hour));
        assert_eq!(Rounding::HalfEven.apply(hour * 5 / 2, hour), Some(2 * hour));
        assert_eq!(Rounding::HalfEven.apply(-hour / 2, hour), Some(0));
        assert_eq!(Rounding::Ceil.apply(-3, 2), Some(-2));
        assert_eq!(Rounding::Floor.apply(-3, 2), Some(-4));
        assert_eq!(total_seconds(-500), -4.999999999588667e-07);
        assert_eq!(total_seconds(93_784_123_456_789), 93784.123456789);
        assert_eq!(DurationPart::Days.of(-3 * NANOS_PER_SECOND), -1);
        assert_eq!(DurationPart::SecondsOfDay.of(-3 * NANOS_PER_SECOND), 86_397);
        assert_eq!(DurationPart::MinutesOfHour.of(-3 * NANOS_PER_SECOND), 59);
    }
}
