"""Character n-gram tf-idf against scikit-learn's TfidfVectorizer (the independent
reference) given the same analyzer, and the analyzer against a hand count."""

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from servq.text.features import CharNgrams, analyze, word_ngrams, words

TEXTS = ["The queue was long, the queue!", "Väntetiden i telefonkön var 45 min",
         "营业厅排队太久。服务态度差", "ok", "", None]


def test_words_and_ngrams_by_hand():
    assert words("Order 123-45: late") == ["order", "000", "00", "late"]
    assert words("服务差，排队久") == ["服务差", "排队久"]
    # " ab ": 1-grams a b; 2-grams " a" ab "b "; 3-grams " ab" "ab "; 4-gram " ab "
    assert word_ngrams("ab") == ["a", "b", " a", "ab", "b ", " ab", "ab ", " ab "]
    assert word_ngrams("a") == ["a", " a", "a ", " a "]
    assert analyze("a b") == word_ngrams("a") + word_ngrams("b")


def test_tfidf_equals_sklearn_with_the_same_analyzer():
    train = [t for t in TEXTS if t]
    ours = CharNgrams.fit(train)
    ref = TfidfVectorizer(analyzer=analyze, sublinear_tf=True).fit(train)
    assert ours.vocabulary.tolist() == ref.get_feature_names_out().tolist()
    np.testing.assert_allclose(ours.idf, ref.idf_, rtol=1e-12)
    new = ["the long queue at telefonkön", "态度差", "zzz", ""]
    np.testing.assert_allclose(ours.transform(new).toarray(), ref.transform(new).toarray(), rtol=1e-12, atol=1e-15)


def test_min_df_and_empty_rows():
    f = CharNgrams.fit(["abc", "abd", "xyz"], min_df=2)
    assert set(f.vocabulary) == {"a", "b", " a", "ab", " ab"}
    X = f.transform(["xyz", "ab"])
    assert X[0].nnz == 0 and np.sum(X[1].toarray() ** 2) == pytest.approx(1.0)


def test_cache_gives_the_same_matrix():
    f = CharNgrams.fit(TEXTS)
    first = f.transform(TEXTS).toarray()
    assert f._cache  # words now cached
    np.testing.assert_array_equal(first, f.transform(TEXTS).toarray())
