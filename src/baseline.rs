//! Baselines: findings accepted earlier, keyed on rule, path and the secret's hash (not the line).
