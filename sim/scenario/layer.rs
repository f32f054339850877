//! Layers: how a scenario file, the files it extends and the built-in defaults combine.
//!
//! Every file type is a *partial* record: each field is an `Option`, `None` meaning "not said
//! here". Resolving a scenario stacks layers, lowest first: defaults, the base a file extends,
//! the file itself. [`Layer::merge`] lays a higher layer over a lower one:
//! - a nested record merges field by field, so an override can reach any nested field;
//! - a map of named records (archetypes, repair times by class) merges entry by entry;
//! - everything else, lists and mixes included, is replaced whole (a ring list or a class mix
//!   only makes sense complete).
//!
//! [`Layer::fill`] then fills every field still unset with its documented default, recursively,
//! so the resolved scenario says everything explicitly.

use std::collections::BTreeMap;

/// A value that can be laid over a lower layer and filled with defaults.
pub trait Layer {
    /// Lays `over` on top of `self`: what `over` says wins.
    fn merge(&mut self, over: Self);
    /// Sets every unset field, recursively, to its default.
    fn fill(&mut self);
}

/// Merges an optional field: a set value in `over` wins or merges into a set value here.
pub fn merge_opt<T: Layer>(here: &mut Option<T>, over: Option<T>) {
    match (here.as_mut(), over) {
        (_, None) => {}
        (Some(h), Some(o)) => h.merge(o),
        (None, Some(o)) => *here = Some(o),
    }
}

/// Fills an optional field with its default when unset, then fills inside it.
pub fn fill_opt<T: Layer>(here: &mut Option<T>, default: impl FnOnce() -> T) {
    here.get_or_insert_with(default).fill();
}

/// Values replaced whole by a higher layer, with nothing inside to fill.
#[macro_export]
macro_rules! replace_layer {
    ($($t:ty),* $(,)?) => {
        $(impl $crate::layer::Layer for $t {
            fn merge(&mut self, over: Self) {
                *self = over;
            }
            fn fill(&mut self) {}
        })*
    };
}

replace_layer!(bool, u8, u32, u64, f64, String);

impl<T: Layer> Layer for Vec<T> {
    /// Lists are replaced whole; their elements are filled one by one.
    fn merge(&mut self, over: Self) {
        *self = over;
    }
    fn fill(&mut self) {
        self.iter_mut().for_each(Layer::fill);
    }
}

impl<K: Ord, V: Layer> Layer for BTreeMap<K, V> {
    /// Maps merge entry by entry: an entry in `over` merges into the same key here.
    fn merge(&mut self, over: Self) {
        for (k, v) in over {
            match self.get_mut(&k) {
                Some(here) => here.merge(v),
                None => {
                    self.insert(k, v);
                }
            }
        }
    }
    fn fill(&mut self) {
        self.values_mut().for_each(Layer::fill);
    }
}

/// Defines a partial file record: every field becomes an `Option` skipped when unset, unknown
/// fields are refused, and `Layer` merges field by field and fills each field with the default
/// written after `=`. A getter per field returns the value, or its default if unset.
#[macro_export]
macro_rules! layered {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[$fmeta:meta])*
                $field:ident : $ty:ty = $default:expr
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $(
                $(#[$fmeta])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $field: Option<$ty>,
            )*
        }

        impl $crate::layer::Layer for $name {
            fn merge(&mut self, over: Self) {
                $( $crate::layer::merge_opt(&mut self.$field, over.$field); )*
            }
            fn fill(&mut self) {
                $( $crate::layer::fill_opt(&mut self.$field, || $default); )*
            }
        }

        impl $name {
            $(
                #[allow(dead_code)]
                pub fn $field(&self) -> $ty {
                    self.$field.clone().unwrap_or_else(|| $default)
                }
            )*
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    layered! {
        pub struct Inner {
            a: u32 = 1,
            b: String = "b".to_string(),
        }
    }

    layered! {
        pub struct Outer {
            inner: Inner = Inner::default(),
            list: Vec<Inner> = vec![],
            named: BTreeMap<String, Inner> = BTreeMap::new(),
        }
    }

    fn inner(a: Option<u32>, b: Option<&str>) -> Inner {
        Inner { a, b: b.map(str::to_string) }
    }

    #[test]
    fn nested_records_merge_field_by_field_and_fill_defaults() {
        let mut base = Outer { inner: Some(inner(Some(5), Some("x"))), ..Outer::default() };
        base.merge(Outer { inner: Some(inner(None, Some("y"))), ..Outer::default() });
        base.fill();
        assert_eq!(base.inner, Some(inner(Some(5), Some("y"))));
        assert_eq!(base.list, Some(vec![]));
    }

    #[test]
    fn lists_are_replaced_whole_and_their_elements_filled() {
        let mut base = Outer { list: Some(vec![inner(Some(1), None); 3]), ..Outer::default() };
        base.merge(Outer { list: Some(vec![inner(None, Some("z"))]), ..Outer::default() });
        base.fill();
        assert_eq!(base.list, Some(vec![inner(Some(1), Some("z"))]));
    }

    #[test]
    fn maps_merge_entry_by_entry() {
        let mut named = BTreeMap::new();
        named.insert("p".to_string(), inner(Some(7), Some("p")));
        named.insert("q".to_string(), inner(Some(8), None));
        let mut base = Outer { named: Some(named), ..Outer::default() };
        let mut over = BTreeMap::new();
        over.insert("q".to_string(), inner(None, Some("new")));
        over.insert("r".to_string(), inner(None, None));
        base.merge(Outer { named: Some(over), ..Outer::default() });
        base.fill();
        let named = base.named.unwrap();
        assert_eq!(named["p"], inner(Some(7), Some("p")));
        assert_eq!(named["q"], inner(Some(8), Some("new")));
        assert_eq!(named["r"], inner(Some(1), Some("b")));
    }

    #[test]
    fn getters_fall_back_to_defaults() {
        assert_eq!(Inner::default().a(), 1);
        assert_eq!(inner(Some(3), None).a(), 3);
    }
}
