//! Join keys as people type them: "Nangrahar", "NANGARHAR province", "Paktīkā" and "AF-NAN"
//! must all find Nangarhar. Keys are normalised (case, diacritics, punctuation, spacing, a
//! trailing "province") and looked up among each feature's codes, names and aliases.

use std::collections::HashMap;

use crate::name::{levenshtein, normalize};

/// Which feature each normalised key names.
#[derive(Debug, Default)]
pub struct KeyIndex {
    map: HashMap<String, Target>,
}

#[derive(Debug, Clone, PartialEq)]
enum Target {
    One(usize),
    /// Names shared by several features (a join on them would be a guess).
    Ambiguous(Vec<usize>),
}

/// The outcome of looking a key up.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    Found(usize),
    Ambiguous(Vec<usize>),
    Missing,
}

impl KeyIndex {
    /// Register `key` for feature `feature`.
    pub fn insert(&mut self, key: &str, feature: usize) {
        let k = normalize(key);
        if k.is_empty() {
            return;
        }
        match self.map.get_mut(&k) {
            None => {
                self.map.insert(k, Target::One(feature));
            }
            Some(Target::One(f)) if *f == feature => {}
            Some(Target::One(f)) => {
                let first = *f;
                self.map.insert(k, Target::Ambiguous(vec![first, feature]));
            }
            Some(Target::Ambiguous(list)) => {
                if !list.contains(&feature) {
                    list.push(feature);
                }
            }
        }
    }

    pub fn lookup(&self, key: &str) -> Lookup {
        match self.map.get(&normalize(key)) {
            Some(Target::One(f)) => Lookup::Found(*f),
            Some(Target::Ambiguous(list)) => Lookup::Ambiguous(list.clone()),
            None => Lookup::Missing,
        }
    }

    /// The registered keys closest to `key` (edit distance on normalised text), best first.
    pub fn nearest(&self, key: &str, n: usize) -> Vec<(String, usize)> {
        let k = normalize(key);
        let mut scored: Vec<(usize, &String, usize)> = self
            .map
            .iter()
            .filter_map(|(name, t)| match t {
                Target::One(f) => Some((levenshtein(&k, name), name, *f)),
                Target::Ambiguous(_) => None,
            })
            .collect();
        scored.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)));
        let mut out: Vec<(String, usize)> = Vec::new();
        for (_, name, f) in scored {
            if out.iter().all(|(_, g)| *g != f) {
                out.push((name.clone(), f));
            }
            if out.len() == n {
                break;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::name::slug;

    #[test]
    fn spellings_people_type_normalise_alike() {
        assert_eq!(normalize("Paktīkā"), "paktika");
        assert_eq!(normalize("  PAKTIKA Province "), "paktika");
        assert_eq!(normalize("Wilayat-e Paktika"), "paktika");
        assert_eq!(normalize("Khyber-Pakhtunkhwa"), "khyberpakhtunkhwa");
        assert_eq!(normalize("AF-NAN"), "afnan");
        assert_eq!(slug("ISIL-K"), "isil_k");
        assert_eq!(slug("ETIM/TIP"), "etim_tip");
        assert_eq!(slug("Al-Qaeda"), "al_qaeda");
    }

    #[test]
    fn lookup_aliases_and_suggestions() {
        let mut idx = KeyIndex::default();
        idx.insert("Nangarhar", 0);
        idx.insert("Nangrahar", 0);
        idx.insert("Kunar", 1);
        idx.insert("Konar", 1);
        assert_eq!(idx.lookup("NANGRAHAR"), Lookup::Found(0));
        assert_eq!(idx.lookup("konar"), Lookup::Found(1));
        assert_eq!(idx.lookup("Kunarr"), Lookup::Missing);
        assert_eq!(idx.nearest("Kunarr", 1)[0].1, 1);
        idx.insert("Kunar", 2);
        assert_eq!(idx.lookup("kunar"), Lookup::Ambiguous(vec![1, 2]));
    }
}
