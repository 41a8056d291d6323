; Java: what the engine (engine.rs) needs from a tree-sitter-java tree.

; Calls and constructions: `m(x)`, `obj.m(x)`, `new T(x)`.
(method_invocation) @call
(object_creation_expression) @call

; Strings built from pieces: `"a" + "b"`.
(binary_expression operator: "+") @join

; Assignments: fields and locals (`static final String KEY = "..."`), `x = ...`, `this.x = ...`
; (operators other than `=` make the name unknown; java.rs reads the operator).
(variable_declarator name: (identifier) @name value: (_) @value) @definition
(assignment_expression left: (_) @name) @definition

; Other bindings make a name unknown: parameters, loop variables, catch parameters.
(formal_parameter name: (identifier) @name) @reassign
(enhanced_for_statement name: (identifier) @name) @reassign
(catch_formal_parameter name: (identifier) @name) @reassign
