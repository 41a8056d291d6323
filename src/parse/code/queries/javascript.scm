; JavaScript (and JSX): what the engine (engine.rs) needs from a tree-sitter-javascript tree.
; typescript.scm is this file plus TypeScript's own nodes.

; Calls and constructions: `f(x)`, `obj.m(x)`, `a?.m(x)`, tagged templates, `new T(x)`, `new T`.
(call_expression) @call
(new_expression) @call

; Strings built from pieces: `"a" + "b"`, `` `a${B}` ``.
(binary_expression operator: "+") @join
(template_string (template_substitution)) @join

; Assignments: `const K = "..."`, `let`/`var`, `x = ...`, `this.x = ...`, class fields.
(variable_declarator name: (identifier) @name value: (_) @value) @definition
(assignment_expression left: (_) @name right: (_) @value) @definition
(field_definition property: (property_identifier) @name value: (_) @value) @definition

; Other bindings make a name unknown: updates, parameters, loop variables.
(augmented_assignment_expression left: (_) @name) @reassign
(formal_parameters (identifier) @name) @reassign
(assignment_pattern left: (identifier) @name) @reassign
(for_in_statement left: (identifier) @name) @reassign
