"""The answer path: card input read strictly, the batched write, its SQL, pulse answers and reflections."""

__all__ = ["batch", "card_input", "pulse", "reflections", "statements", "writer"]
