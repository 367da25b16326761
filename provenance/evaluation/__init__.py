"""The built-in evaluation: edited copies with known ground truth, checked and scored."""
