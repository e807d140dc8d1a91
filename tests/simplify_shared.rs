//! Shared borders are simplified once: a vertex that two provinces share carries the same
//! importance in both, so every zoom keeps or drops it for both.

mod common;

use std::collections::HashMap;

use common::default_state;

#[test]
fn shared_vertices_have_identical_importance() {
    let state = default_state();
    let dataset = state.dataset.load_full();
    let layer = dataset.layer("provinces").unwrap();
    let shapes = &layer.shapes;
    let mut seen: HashMap<(u64, u64), (f32, usize)> = HashMap::new();
    let mut shared = 0;
    for piece in &shapes.pieces {
        for part in shapes.parts_of(piece) {
            for i in part.range() {
                let key = (shapes.xy[i][0].to_bits(), shapes.xy[i][1].to_bits());
                let imp = shapes.importance[i];
                if let Some(&(other, feature)) = seen.get(&key) {
                    if feature != piece.feature as usize {
                        shared += 1;
                        let name = |f: usize| {
                            layer.features[f].props[1]
                                .as_str()
                                .unwrap_or("")
                                .to_string()
                        };
                        assert_eq!(
                            imp,
                            other,
                            "vertex {:?} shared by {} and {} has different importance",
                            borderland::geometry::projection::unproject(shapes.xy[i]),
                            name(feature),
                            name(piece.feature as usize)
                        );
                    }
                } else {
                    seen.insert(key, (imp, piece.feature as usize));
                }
            }
        }
    }
    assert!(shared > 5000, "only {shared} shared vertices");
}
