/* lib_features */
