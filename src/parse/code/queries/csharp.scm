; C#: what the engine (engine.rs) needs from a tree-sitter-c-sharp tree.

; Calls and constructions: `M(x)`, `obj.M(x)`, `a?.M(x)`, `new T(x) { P = v }`, `new(x)`.
(invocation_expression) @call
(object_creation_expression) @call
(implicit_object_creation_expression) @call
; `T x = new(...)`: the constructed type is the declared one.
(variable_declaration
  type: (_) @type
  (variable_declarator (implicit_object_creation_expression) @call))

; Strings built from pieces: `"a" + "b"`, `$"a{B}"`.
(binary_expression operator: "+") @join
(interpolated_string_expression (interpolation)) @join

; Assignments: fields, locals and consts (`const string Key = "..."`), properties
; (`string P { get; } = "..."`, `string P => "..."`) and `x = ...` / `this.x = ...` (operators
; other than `=` make the name unknown; csharp.rs reads the value and the operator).
(variable_declarator name: (identifier) @name) @definition
(property_declaration name: (identifier) @name value: (_) @value) @definition
(assignment_expression left: (_) @name) @definition

; Other bindings make a name unknown: parameters, loop variables, `out var x`.
(parameter name: (identifier) @name) @reassign
(foreach_statement left: (identifier) @name) @reassign
(declaration_expression name: (identifier) @name) @reassign
