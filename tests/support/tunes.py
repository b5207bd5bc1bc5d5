"""Real tunes the tests share, written once."""

#: The first part of The Kesh, a jig (in none of the training collections as written here).
KESH = """X:3
T:The Kesh
R:jig
M:6/8
L:1/8
K:G
|:GAG GAB|ABA ABd|edd gdd|edB dBA|
GAG GAB|ABA ABd|edd gdB|AGF G3:|
"""
