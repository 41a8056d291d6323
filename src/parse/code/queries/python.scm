; Python: what the engine (engine.rs) needs from a tree-sitter-python tree.

; Calls and constructions alike: `f(x)`, `client.method(x)`, `BlobServiceClient(url, credential=c)`.
(call) @call

; Strings built from pieces: `"a" + "b"`, `"a" "b"`, f-strings with substitutions.
(binary_operator operator: "+") @join
(concatenated_string) @join
(string (interpolation)) @join

; Assignments: `NAME = value`, `name: str = value`, `self.name = value`, `(name := value)`.
(assignment left: (identifier) @name right: (_) @value) @definition
(assignment left: (attribute attribute: (identifier) @name) right: (_) @value) @definition
(named_expression name: (identifier) @name value: (_) @value) @definition
; Tuple assignments, paired by python.rs: `a, b = "x", "y"`.
(assignment left: (pattern_list)) @definition
(assignment left: (tuple_pattern)) @definition

; Other bindings make a name unknown: updates, loop variables, parameters.
(augmented_assignment left: (identifier) @name) @reassign
(augmented_assignment left: (attribute attribute: (identifier) @name)) @reassign
(for_statement left: (identifier) @name) @reassign
(for_in_clause left: (identifier) @name) @reassign
(parameters (identifier) @name) @reassign
(default_parameter name: (identifier) @name) @reassign
(typed_parameter (identifier) @name) @reassign
(typed_default_parameter name: (identifier) @name) @reassign
(as_pattern alias: (as_pattern_target (identifier) @name)) @reassign
