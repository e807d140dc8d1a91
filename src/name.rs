//! Place and group names as people type them: "Nangrahar", "NANGARHAR province" and
//! "Paktīkā" reduce to one normal form (case, diacritics, punctuation, spacing, a trailing
//! "province"), so readers, joins and alias suggestions compare the same thing.

/// Fold a Latin letter with a diacritic to its base letter.
fn fold(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => 'c',
        'ď' | 'đ' | 'ḍ' => 'd',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => 'e',
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => 'g',
        'ĥ' | 'ħ' | 'ḥ' => 'h',
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => 'i',
        'ĵ' => 'j',
        'ķ' => 'k',
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => 'l',
        'ñ' | 'ń' | 'ņ' | 'ň' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => 'o',
        'ŕ' | 'ŗ' | 'ř' => 'r',
        'ś' | 'ŝ' | 'ş' | 'š' | 'ṣ' => 's',
        'ţ' | 'ť' | 'ŧ' | 'ṭ' => 't',
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => 'u',
        'ŵ' => 'w',
        'ý' | 'ÿ' | 'ŷ' => 'y',
        'ź' | 'ż' | 'ž' | 'ẓ' => 'z',
        other => other,
    }
}

/// Normalise a key: lower case, diacritics folded, only letters and digits kept, and a
/// trailing "province" (or a leading "wilayat-e"/"velayat-e") dropped.
pub fn normalize(key: &str) -> String {
    let lower = key.trim().to_lowercase();
    let mut words: Vec<String> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.chars().map(fold).collect())
        .collect();
    if words.len() > 1
        && matches!(
            words.last().map(String::as_str),
            Some("province" | "provinces")
        )
    {
        words.pop();
    }
    if words.len() > 1 && matches!(words[0].as_str(), "wilayat" | "velayat") {
        words.remove(0);
        if words.len() > 1 && words[0] == "e" {
            words.remove(0);
        }
    }
    words.concat()
}

/// A stable, readable slug for attribute names: `ISIL-K` → `isil_k`, `ETIM/TIP` → `etim_tip`.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for w in text
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push('_');
        }
        out.extend(w.chars().map(fold));
    }
    out
}

/// Edit distance between two strings (characters).
pub fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j + 1] + 1)
                .min(cur[j] + 1)
                .min(prev[j] + usize::from(ca != *cb));
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}
