/* lib_signal */
