; TypeScript and TSX: what the engine (engine.rs) needs from a tree-sitter-typescript tree.
; The same captures as javascript.scm, with TypeScript's parameter and field nodes.

; Calls and constructions: `f(x)`, `obj.m<T>(x)`, `a?.m(x)`, tagged templates, `new T(x)`.
(call_expression) @call
(new_expression) @call

; Strings built from pieces: `"a" + "b"`, `` `a${B}` ``.
(binary_expression operator: "+") @join
(template_string (template_substitution)) @join

; Assignments: `const K = "..."`, `let`/`var`, `x = ...`, `this.x = ...`, class fields.
(variable_declarator name: (identifier) @name value: (_) @value) @definition
(assignment_expression left: (_) @name right: (_) @value) @definition
(public_field_definition name: (property_identifier) @name value: (_) @value) @definition

; Other bindings make a name unknown: updates, parameters, loop variables.
(augmented_assignment_expression left: (_) @name) @reassign
(required_parameter pattern: (identifier) @name) @reassign
(optional_parameter pattern: (identifier) @name) @reassign
(assignment_pattern left: (identifier) @name) @reassign
(for_in_statement left: (identifier) @name) @reassign
