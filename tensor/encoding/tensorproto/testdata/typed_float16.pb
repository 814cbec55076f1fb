
*€x€ðÿ÷Bfloat16