"""The bundled sample district (fictional people) used by `aupguard demo` and the tests."""
