; PowerShell: what the engine (engine.rs) needs from a tree-sitter-powershell tree.

; Calls: command invocations (`New-AzStorageContext -StorageAccountKey $key`, native
; `az login --service-principal -p $secret`) and method calls (`$obj.Method(x)`, `[T]::M(x)`).
(command) @call
(invokation_expression) @call

; Strings built from pieces: `'a' + 'b'`, `"a$b"`.
(additive_expression "+") @join
(additive_argument_expression "+") @join
(expandable_string_literal (variable)) @join
(expandable_here_string_literal (variable)) @join

; Assignments: `$x = ...` (also `$script:x`, `[string]$x`); other operators make the name
; unknown (powershell.rs reads the operator).
(assignment_expression) @definition

; Other bindings make a name unknown: script and function parameters, loop variables.
(script_parameter (variable) @name) @reassign
(foreach_statement (variable) @name) @reassign
