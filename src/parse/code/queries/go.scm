; Go: what the engine (engine.rs) needs from a tree-sitter-go tree.

; Calls: `f(x)`, `pkg.NewClient(x)`, `client.Method(x)` (composite literals are not calls).
(call_expression) @call

; Strings built from pieces: `"a" + "b"`, `"a" + `+"`b`"+`.
(binary_expression operator: "+") @join

; Assignments, paired name by name in go.rs: `const K = "..."`, `const ( A, B = "a", "b" )`,
; `var v = "..."`, `v := "..."`, `v = "..."` (other operators make the name unknown).
(const_spec) @definition
(var_spec) @definition
(short_var_declaration) @definition
(assignment_statement) @definition

; Other bindings make a name unknown: parameters and range variables.
(parameter_declaration name: (identifier) @name) @reassign
(range_clause left: (expression_list (identifier) @name)) @reassign
